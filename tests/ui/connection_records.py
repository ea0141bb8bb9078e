"""Connection records as GET /api/v1/connections gives them, for the model and panel tests."""

ROWS = [
    {
        "id": "c1",
        "remote": "127.0.0.1:5000",
        "connected_at": "2026-01-02T03:04:05.6+00:00",
        "received": 1,
        "sent": 9,
        "queued": 0,
        "admin": True,
        "user": "admin",
    },
    {
        "id": "c2",
        "remote": "10.0.0.2:6000",
        "connected_at": "2026-01-02T03:05:00+00:00",
        "received": 4,
        "sent": 7,
        "queued": 2,
        "admin": False,
    },
]
