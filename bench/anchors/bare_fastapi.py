"""Anchor: a bare FastAPI app with the one route ``GET /healthz``, on PulseDesk's uvicorn.

python -m bench.anchors.bare_fastapi     # prints "listening on http://127.0.0.1:PORT"
"""

from __future__ import annotations

from fastapi import FastAPI

from bench.anchors.uvicorn_runner import serve_printing_port

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
    serve_printing_port(app)
