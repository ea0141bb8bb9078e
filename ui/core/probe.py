"""One health poll of a server, read into what the window tracks: /healthz, then /health/.

``probe`` never raises for a server's trouble: a refused or broken answer is a failed
``PollResult``; an answer with something wrong (not healthy, the bus degraded, /health/
failing or naming its problems) is an answered one with its problem. ``target_outcome`` reads
a target check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ui.core.api import ApiClient, ApiError
from ui.core.health import PollResult


@dataclass(frozen=True)
class Probe:
    result: PollResult
    #: The /healthz body when it answered with a JSON object, else None.
    healthz: dict[str, Any] | None = None
    #: The /health/ body when it answered with a JSON object, else None.
    vitals: dict[str, Any] | None = None


async def probe(api: ApiClient) -> Probe:
    try:
        liveness = await api.get("/healthz")
    except ApiError as exc:
        return Probe(PollResult.failed(str(exc)))
    body = liveness.body
    if not isinstance(body, dict):
        return Probe(PollResult(True, liveness.latency_ms, "/healthz answered no JSON object"))
    problem = None
    if body.get("status") != "healthy":
        problem = f"/healthz says {body.get('status')}"
    elif body.get("bus") == "degraded":
        problem = "the broadcast bus is degraded"
    vitals = None
    try:
        health = await api.get("/health/")
        vitals = health.body if isinstance(health.body, dict) else None
    except ApiError as exc:
        problem = problem or str(exc)
    if vitals is not None and vitals.get("status") == "degraded":
        # /health/ names each problem (a store that cannot write, a flushed Redis).
        problems = vitals.get("details", {}).get("problems", [])
        problem = "; ".join(problems) or problem or "/health/ says degraded"
    return Probe(PollResult(True, liveness.latency_ms, problem), body, vitals)


def target_outcome(body: dict[str, Any]) -> tuple[str, bool]:
    """The answer of POST /health/check as (text for the table, healthy)."""
    details = body.get("details", {})
    if body.get("status") == "healthy":
        return f"healthy in {details.get('latency_ms', 0):.0f} ms", True
    return f"unhealthy: {details.get('error') or details.get('status_code')}", False
