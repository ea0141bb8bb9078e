"""When the window polls its server: the pacing rules, with no I/O and no clock of their own.

The controller tells a ``PollPacing`` what it learns (the feed connected or dropped, a poll
answered or not, the table fetched at a time) and asks it what to do next (how long until the
next poll, whether status and the connections table are due with this one, how long a
traffic-driven table fetch must wait).

- Polls come every ``interval`` seconds (the user's box) while they are the only news of the
  server: its live feed is down, or the last poll did not find it UP.
- While the feed is connected and the server UP, the feed would report trouble first: polls
  relax to ``live_interval`` (never faster than the box).
- Status and the table change slowly: they come with every ``slow_every``-th answered poll, and
  with the next answered one whenever they could not be fetched or the server had stopped
  answering (a restarted server: every panel catches up at its first answer).
- Messages moving the table's counters fetch it at most once an ``interval``.
"""

from __future__ import annotations


class PollPacing:
    def __init__(
        self, interval: float = 2.0, live_interval: float = 10.0, slow_every: int = 3
    ) -> None:
        #: The default pace, until the user chooses one.
        self.default_interval = interval
        #: The user's choice (the "every" box), in seconds.
        self.interval = interval
        self.live_interval = live_interval
        self.slow_every = slow_every
        self.feed_live = False
        self.server_up = False
        self._answered = 0
        self._catch_up = True
        self._table_fetched_at: float | None = None

    def reset(self) -> None:
        """A new server, or the same one started again: nothing known about it yet."""
        self.feed_live = False
        self.server_up = False
        self._answered = 0
        self._catch_up = True
        self._table_fetched_at = None

    @property
    def relaxed(self) -> bool:
        """Polling at the live pace: the feed is connected and the last poll found it UP."""
        return self.feed_live and self.server_up

    @property
    def poll_interval(self) -> float:
        """Seconds until the next health poll, as things stand now."""
        if self.relaxed:
            return max(self.interval, self.live_interval)
        return self.interval

    @property
    def first_wait(self) -> float:
        """The longest the first poll waits for the feed's first connection: until then an
        embedded server is most likely still starting."""
        return min(self.interval, self.default_interval)

    def polled(self, answered: bool) -> bool:
        """One health poll is done; True when status and the table are due with it."""
        if not answered:
            self._catch_up = True
            return False
        due = self._catch_up or self._answered % self.slow_every == 0
        # Counted from the last fetch: after a catch-up, the next is slow_every polls later.
        self._answered = 1 if due else self._answered + 1
        self._catch_up = False
        return due

    def slow_fetched(self, ok: bool) -> None:
        """Status (and the table) were fetched with a poll; not ``ok``: again at the next one."""
        if not ok:
            self._catch_up = True

    def table_fetched(self, now: float) -> None:
        self._table_fetched_at = now

    def table_wait(self, now: float) -> float:
        """Seconds a fetch of the table for traffic must wait: once an interval at most."""
        if self._table_fetched_at is None:
            return 0.0
        return max(0.0, self._table_fetched_at + self.interval - now)
