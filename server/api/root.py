"""GET / and GET /healthz: open to anyone, for people and load balancers."""

from __future__ import annotations

from fastapi import APIRouter

from server.schemas.responses import LivenessResponse, WelcomeResponse
from server.security import ServiceDep
from server.service import Service

router = APIRouter(tags=["root"])


def liveness(service: Service) -> dict[str, object]:
    return {
        "status": "healthy",
        "service": service.settings.service_name,
        "version": service.version,
        "connections": service.hub.count,
        "bus": service.hub.bus.state,
    }


@router.get("/healthz", response_model=LivenessResponse)
async def healthz(service: ServiceDep) -> dict[str, object]:
    """Liveness, with this instance's live connection count."""
    return liveness(service)


@router.get("/", response_model=WelcomeResponse)
async def root(service: ServiceDep) -> dict[str, str]:
    return {"message": f"Welcome to {service.settings.service_name}"}
