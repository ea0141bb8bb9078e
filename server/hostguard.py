"""The Host check that stops DNS rebinding against a server bound to loopback.

A web page on evil.example can make a browser resolve its own name to 127.0.0.1 and then talk
to a loopback-only server as if same-origin. Checking the Host header defeats that. A server
bound beyond loopback serves real names and requires tokens instead, so the check applies
only to requests that arrived on a loopback socket. Deciding per request, from the socket the
request came in on, covers ``uvicorn server.main:app --host 0.0.0.0`` too, where the settings
never learn the bind address.
"""

from __future__ import annotations

from functools import lru_cache

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import Receive, Scope, Send

from server.settings import is_ip_address, is_loopback


@lru_cache(maxsize=64)
def _beyond_loopback(bound: str) -> bool:
    """An IP address that is not loopback; parsed once per address, not once per request."""
    return is_ip_address(bound) and not is_loopback(bound)


class LoopbackHostGuard(TrustedHostMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server")
        # No address, or a name rather than an IP (Starlette's TestClient): check as loopback.
        bound = server[0] if server else None
        if bound and _beyond_loopback(bound):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
