"""The window's domain model in plain Python: no Qt here, so it is tested without a display.

Qt models and widgets in ``ui`` adapt these classes (napari's ``_qt`` split): the log is a ring
buffer, health is a small state machine, and the clients speak HTTP and WebSocket on asyncio.
"""
