"""What the tests of a window watching a real server share: the fast tuning, the type of the
``watching`` fixture (in tests/ui/conftest.py), and whether a monitor's feed is live."""

from __future__ import annotations

from collections.abc import Callable

from ui.core.feed import FeedState
from ui.monitor import Monitor, MonitorTuning

#: Fast polls and reconnects, and the slow fetches with every poll even while the feed is live,
#: so that a test waits on its condition for little time.
FAST = MonitorTuning(
    interval=0.2,
    live_interval=0.2,
    timeout=1.0,
    down_after=2,
    reconnect_min=0.05,
    reconnect_max=0.3,
    slow_every=1,
    notice_quiet=0.2,
    notice_longest=2.0,
)

Watch = Callable[..., Monitor]


def feed_live(monitor: Monitor) -> bool:
    """Connected and welcomed: the client's id comes in the welcome frame after the handshake."""
    feed = monitor.feed
    return feed is not None and feed.state is FeedState.CONNECTED and feed.client_id is not None
