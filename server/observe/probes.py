"""Probing the configured check targets for real: HTTP(S) with httpx, tcp:// by connecting."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class ProbeResult:
    healthy: bool
    latency_ms: float
    error: str | None = None
    status_code: int | None = None


async def probe(url: str, timeout: float) -> ProbeResult:  # noqa: ASYNC109 (a per-call budget)
    """Check one target within ``timeout`` seconds. Never raises for a failing target."""
    # At the first check, not at start-up: httpx (and rich, when installed) is the heaviest
    # import of the server's, and the desktop app's launch waits for every one of them.
    import httpx

    started = time.perf_counter()

    def elapsed() -> float:
        return round((time.perf_counter() - started) * 1000, 2)

    try:
        parts = urlsplit(url)
        async with asyncio.timeout(timeout):
            if parts.scheme == "tcp":
                if not parts.hostname or parts.port is None:
                    return ProbeResult(False, 0.0, f"bad tcp target {url!r}: want tcp://host:port")
                _, writer = await asyncio.open_connection(parts.hostname, parts.port)
                writer.close()
                await writer.wait_closed()
                return ProbeResult(True, elapsed())
            if parts.scheme in ("http", "https"):
                async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
                    response = await client.get(url)
                ok = response.status_code < 400
                error = None if ok else f"HTTP {response.status_code}"
                return ProbeResult(ok, elapsed(), error, response.status_code)
            return ProbeResult(False, 0.0, f"unsupported scheme {parts.scheme!r}")
    except TimeoutError:
        return ProbeResult(False, elapsed(), f"timed out after {timeout:g} s")
    except (OSError, httpx.HTTPError) as exc:
        return ProbeResult(False, elapsed(), str(exc) or type(exc).__name__)
    except (ValueError, httpx.InvalidURL) as exc:  # a target mistyped in the settings
        return ProbeResult(False, 0.0, f"bad target {url!r}: {exc}")
