from tests.ui.qasync_support import qasync_loop, qasync_session_loop, qt_settings

__all__ = ["qasync_loop", "qasync_session_loop", "qt_settings"]
