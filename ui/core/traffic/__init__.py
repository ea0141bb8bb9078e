"""Traffic tools, Qt-free: a load test that counts every delivery, recording and replay.

Used by ``pulsedesk load|record|replay`` and by the window's Tools menu alike.
"""
