"""When a presence frame (the connection count) is due: what each change pays for.

Pure arithmetic, so that a storm of joins can be reasoned about and tested without a server;
``server.realtime.hub`` keeps the timer.
"""

from __future__ import annotations

#: Presence deliveries (one per connection a frame goes to) that each change of the count,
#: a connection joining or leaving, pays for: a storm of N joins costs about 2N of them ...
PRESENCE_PER_CHANGE = 2
#: ... plus at most this many a second: the pace of the frames that announce changes too few
#: to pay for one (see presence_interval).
PRESENCE_BUDGET = 2_000


def presence_interval(floor: float, connections: int) -> float:
    """Seconds from a change to the frame announcing it, when the changes do not pay for it.

    Frames to ``connections`` clients this far apart cost at most ``PRESENCE_BUDGET``
    deliveries a second; never less than ``floor``, which is the interval up to
    ``PRESENCE_BUDGET * floor`` connections (200 at the 0.1 s default).
    """
    return max(floor, connections / PRESENCE_BUDGET)


def presence_due(floor: float, connections: int, changes: int, first: float) -> float:
    """When the presence frame for ``changes`` since ``first`` is due.

    A frame goes to every connection, so it is sent once the changes have paid for it
    (``PRESENCE_PER_CHANGE`` deliveries each), and at the latest ``presence_interval`` after
    the first; never sooner than ``floor`` after it, so that a burst of joins is one frame.
    A storm of N joins (a big server's clients all coming back) then costs about 2N
    deliveries plus ``PRESENCE_BUDGET`` a second, not its duration times the connections.
    """
    if changes * PRESENCE_PER_CHANGE >= connections:
        return first + floor
    return first + presence_interval(floor, connections)
