"""Anchor for ordinary routes: a bare FastAPI app with the seed's ``/healthz``,
``/api/v1/status``, ``/status/`` and ``/health/``, each answering what PulseDesk's does (same
fields, computed the same way, the same response models), on PulseDesk's uvicorn.

Written as a FastAPI user would write it: module-level state, ``response_model`` on each route,
handlers returning dicts or models for FastAPI to validate and serialize.

python -m bench.anchors.bare_routes     # prints "listening on http://127.0.0.1:PORT"
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

app = FastAPI()
STARTED = time.monotonic()
CONNECTIONS: set[object] = set()


class LivenessResponse(BaseModel):
    status: str
    service: str
    version: str
    connections: int = Field(..., description="Open WebSocket connections on this instance")
    bus: str = Field(..., description="memory, connected or degraded")
    store: str = Field(..., description="ok, degraded (cannot write now) or off")


class StatusResponse(BaseModel):
    status: str
    timestamp: datetime
    version: str
    environment: str


class ClusterInfo(BaseModel):
    instances: int
    connections: int


class ApiStatusResponse(StatusResponse):
    service: str
    connections: int
    cluster: ClusterInfo | None = None


class HealthCheckResponse(BaseModel):
    status: str = Field(..., description="healthy or unhealthy")
    service: str = Field(..., description="Service name")
    version: str = Field(..., description="Service version")
    timestamp: datetime = Field(..., description="Check timestamp")
    details: dict[str, Any] | None = Field(None, description="Additional details")


@app.get("/healthz", response_model=LivenessResponse)
async def healthz() -> LivenessResponse:
    return LivenessResponse(
        status="healthy",
        service="my-awesome-service",
        version="0.1.0",
        connections=len(CONNECTIONS),
        bus="memory",
        store="ok",
    )


@app.get("/api/v1/status", response_model=ApiStatusResponse)
async def api_status() -> dict[str, object]:
    return {
        "status": "operational",
        "timestamp": datetime.now(UTC),
        "version": "0.1.0",
        "environment": "development",
        "service": "my-awesome-service",
        "connections": len(CONNECTIONS),
        "cluster": None,
    }


@app.get("/status/", response_model=StatusResponse)
async def get_status() -> dict[str, object]:
    return {
        "status": "operational",
        "timestamp": datetime.now(UTC),
        "version": "0.1.0",
        "environment": "development",
    }


_process: Any = None


@app.get("/health/", response_model=HealthCheckResponse)
async def health() -> HealthCheckResponse:
    global _process
    if _process is None:
        import psutil

        _process = psutil.Process()
    uptime = time.monotonic() - STARTED
    rss = _process.memory_info().rss
    problems: list[str] = []
    return HealthCheckResponse(
        status="degraded" if problems else "healthy",
        service="my-awesome-service",
        version="0.1.0",
        timestamp=datetime.now(UTC),
        details={
            "uptime": str(timedelta(seconds=int(uptime))),
            "uptime_seconds": round(uptime, 3),
            "memory_usage": f"{rss / 2**20:.1f} MB",
            "memory_bytes": rss,
            "cpu_seconds": round(time.process_time(), 3),
            "active_connections": len(CONNECTIONS),
            "dropped_slow": 0,
            "problems": problems,
            "bus": "memory",
            "store": {
                "available": True,
                "problem": None,
                "notice": None,
                "committed_id": 0,
                "lost": 0,
            },
        },
    )


if __name__ == "__main__":
    from bench.anchors.uvicorn_runner import serve_printing_port

    serve_printing_port(app)
