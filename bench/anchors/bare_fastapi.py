"""Anchor: a bare FastAPI app with the one route ``GET /healthz``, on PulseDesk's uvicorn.

python -m bench.anchors.bare_fastapi     # prints "listening on http://127.0.0.1:PORT"
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
async def healthz() -> dict[str, object]:
    return {
        "status": "healthy",
        "service": "my-awesome-service",
        "version": "0.1.0",
        "connections": 0,
        "bus": "memory",
    }


if __name__ == "__main__":
    # Imported here: the launch anchor (bare_desktop) imports this app, and must not pay for
    # PulseDesk's settings and serving modules that the runner uses.
    from bench.anchors.uvicorn_runner import serve_printing_port

    serve_printing_port(app)
