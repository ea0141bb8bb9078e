"""CORS: which browser pages may read PulseDesk's answers, decided once per response.

The policy is Starlette's ``CORSMiddleware`` configured as PulseDesk always configured it: the
listed origins (``"*"`` for any), credentials allowed, any method, any request header. Only
the work is arranged differently, so that it fits in ``server.edge.front_door``'s one ``send``
wrapper instead of a middleware layer of its own:

- preflights (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) are answered
  by Starlette's own ``preflight_response``: they are rare, and its answer is the contract;
- every other response gets what Starlette's ``simple_response`` would have added: ``Vary:
  Origin`` always (a cache must not hand one origin's answer to another, nor to a request
  without ``Origin``), and for a request with an ``Origin`` the credentials header, plus the
  origin itself when it is allowed. Starlette parses the request headers into an object and
  rebuilds the response headers for this; here it is a few list operations on raw bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

ALLOW_ORIGIN = b"access-control-allow-origin"
ALLOW_CREDENTIALS = b"access-control-allow-credentials"
VARY = b"vary"
VARY_ORIGIN = (VARY, b"Origin")


async def _no_app(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError("CorsPolicy answers preflights only; requests go to the real app")


class CorsPolicy:
    def __init__(self, allow_origins: Sequence[str]) -> None:
        self._starlette = CORSMiddleware(
            _no_app,
            allow_origins=allow_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
        self._any_origin = "*" in allow_origins
        self._origins = frozenset(origin.encode("latin-1") for origin in allow_origins)

    def allows(self, origin: bytes) -> bool:
        return self._any_origin or origin in self._origins

    @staticmethod
    def is_preflight(scope: Scope, origin: bytes | None) -> bool:
        if origin is None or scope["method"] != "OPTIONS":
            return False
        return any(name == b"access-control-request-method" for name, _ in scope["headers"])

    def preflight(self, scope: Scope) -> Response:
        """Starlette's answer to a preflight: 200 with the grants, or 400 naming the refusal."""
        return self._starlette.preflight_response(request_headers=Headers(scope=scope))

    def decorate(self, message: Message, origin: bytes | None) -> Message:
        """An ``http.response.start`` message with the CORS headers added.

        A copy: an app may send the same message object every time (a constant), and
        headers added to it in place would pile up from one response to the next.
        """
        if origin is None:
            raw = message.get("headers", ())
            for key, _ in raw:
                if key == VARY:
                    break
            else:  # nearly every request without an Origin: nothing to merge or replace
                return {**message, "headers": [*raw, VARY_ORIGIN]}
        headers = list(message.get("headers", ()))
        if origin is not None:
            # With credentials allowed, an allowed origin is named, never "*".
            _set(headers, ALLOW_CREDENTIALS, b"true")
            if self.allows(origin):
                _set(headers, ALLOW_ORIGIN, origin)
        _vary_on_origin(headers)
        return {**message, "headers": headers}


def _set(headers: list[tuple[bytes, bytes]], name: bytes, value: bytes) -> None:
    """Set one header: in the place of its first occurrence, without duplicates."""
    found = [i for i, (key, _) in enumerate(headers) if key == name]
    if not found:
        headers.append((name, value))
        return
    headers[found[0]] = (name, value)
    for index in reversed(found[1:]):
        del headers[index]


def _vary_on_origin(headers: list[tuple[bytes, bytes]]) -> None:
    """Add ``Origin`` to ``Vary``, the existing values joined in one header as Starlette does."""
    values = [value for key, value in headers if key == VARY]
    _set(headers, VARY, b", ".join([*values, b"Origin"]))
