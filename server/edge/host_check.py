"""The Host check that stops DNS rebinding against a server bound to loopback.

A web page on evil.example can make a browser resolve its own name to 127.0.0.1 and then talk
to a loopback-only server as if same-origin. Checking the Host header defeats that. A server
bound beyond loopback serves real names and requires tokens instead, so the check applies
only to requests that arrived on a loopback socket. Deciding per request, from the socket the
request came in on, covers ``uvicorn server.main:app --host 0.0.0.0`` too, where the settings
never learn the bind address.

The rules are Starlette's ``TrustedHostMiddleware``'s (``*.domain`` patterns, the ``www.``
redirect, the 400 answer; hosts parsed by RFC 3986 as it does), applied by
``server.edge.front_door`` for HTTP and WebSocket alike. A client sends the same Host on every
request, so each distinct header value is judged once and the verdict cached.
"""

from __future__ import annotations

import enum
import ipaddress
import logging
import re
from collections.abc import Sequence
from functools import lru_cache

from starlette.datastructures import URL
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import Scope

from server.observe.quiet_log import QuietLog
from server.settings import is_ip_address, is_loopback

logger = logging.getLogger("pulsedesk.edge")

# RFC 3986's host (a name or IPv4 address of unreserved, percent-encoded and sub-delim
# characters, or an IPv6 literal in brackets), then an optional port. Nothing else: an "@", a
# "/" or a space could change what a URL built from the header points to.
_HOST_HEADER = re.compile(
    r"(?P<host>[a-z0-9_.~%!$&'()*+,;=-]+|\[(?P<ipv6>[0-9a-f:.]+)\])(?::[0-9]+)?",
    re.IGNORECASE | re.ASCII,
)


def host_of(header: str | None) -> str | None:
    """The host named by a Host header, lowercased (an IPv6 literal keeps its brackets);
    None when the header is missing or malformed."""
    match = None if header is None else _HOST_HEADER.fullmatch(header)
    if match is None:
        return None
    if match["ipv6"] is not None:
        try:
            ipaddress.IPv6Address(match["ipv6"])
        except ValueError:
            return None
    return match["host"].lower()


#: What the front door passes for a request with more than one Host header: it names no host
#: (RFC 9112 section 3.2 answers 400), whichever of them is good.
TWO_HOSTS = b""


class Verdict(enum.Enum):
    ALLOW = "allow"
    REDIRECT_TO_WWW = "redirect to www"  # the host is refused but www.<host> is allowed
    REFUSE = "refuse"


@lru_cache(maxsize=64)
def _beyond_loopback(bound: str) -> bool:
    """An IP address that is not loopback; parsed once per address, not once per request."""
    return is_ip_address(bound) and not is_loopback(bound)


class HostGuard:
    def __init__(self, allowed_hosts: Sequence[str]) -> None:
        self._patterns = tuple(pattern.lower() for pattern in allowed_hosts)
        self._allow_any = "*" in self._patterns
        # Per guard, bounded: a scanner sending random Host headers cannot grow it.
        self.verdict = lru_cache(maxsize=256)(self._judge)
        # Anyone can send a foreign Host: one line per interval, however many they send.
        self._refusals = QuietLog(logger, logging.WARNING)

    def applies(self, scope: Scope) -> bool:
        """Whether this request must be checked: it came in on a loopback socket."""
        if self._allow_any:
            return False
        server = scope.get("server")
        # No address, or a name rather than an IP (Starlette's TestClient): check as loopback.
        bound = server[0] if server else None
        return not (bound and _beyond_loopback(bound))

    def _judge(self, host_header: bytes | None) -> Verdict:
        host = host_of(None if host_header is None else host_header.decode("latin-1"))
        if host is None:
            return Verdict.REFUSE
        www_allowed = False
        for pattern in self._patterns:
            if host == pattern or (pattern.startswith("*") and host.endswith(pattern[1:])):
                return Verdict.ALLOW
            www_allowed = www_allowed or "www." + host == pattern
        return Verdict.REDIRECT_TO_WWW if www_allowed else Verdict.REFUSE

    def refusal(self, scope: Scope, verdict: Verdict) -> Response:
        """The answer to a request whose Host was not allowed (a WebSocket gets it too)."""
        self._refusals.log(
            "refused a request from %s with Host %r on a loopback socket: not an allowed host "
            "(a DNS rebinding attempt, two Host headers, or a name to add to allowed_hosts)",
            _client(scope),
            _host_named(scope),
        )
        if verdict is Verdict.REDIRECT_TO_WWW:
            url = URL(scope=scope)
            return RedirectResponse(url=str(url.replace(netloc="www." + url.netloc)))
        return PlainTextResponse("Invalid host header", status_code=400)


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return "{}:{}".format(*client) if client else "a client"


def _host_named(scope: Scope) -> str | None:
    """The Host header as sent (the first, when there are two; cut short), for the log line."""
    for name, value in scope["headers"]:
        if name == b"host":
            return str(value[:100].decode("latin-1"))
    return None
