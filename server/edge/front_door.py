"""The one middleware every request and WebSocket passes through, outside FastAPI's routing.

It applies PulseDesk's four rules for what comes in, in one coroutine with at most one ``send``
wrapper, in this order (docs/design.md, "The front door", says why one layer and not four):

- time every HTTP request, refusals and failures included (``server.edge.timing``);
- turn a handler's exception into a 500 or a 1011 close (``server.edge.error_guard``), around
  everything else: its 500 carries no CORS headers;
- refuse a foreign Host on a loopback socket (``server.edge.host_check``), before CORS, so a
  refusal carries none either;
- answer preflights, and decorate every other response, by the CORS policy
  (``server.edge.cors``).

A WebSocket endpoint given in ``websockets`` (``/ws``) is served from here, after the Host check
and inside the error guard, past FastAPI's routing and exception layers (docs/design.md says
why); other WebSocket paths go through the app.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from time import perf_counter

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.edge.cors import CorsPolicy
from server.edge.error_guard import guarded_websocket, internal_error, log_http_failure
from server.edge.host_check import TWO_HOSTS, HostGuard, Verdict
from server.edge.timing import RequestDurations, RouteTemplates, record_request
from server.observe.events import EventLog

RouteSource = Callable[[], Iterable[BaseRoute]]


class FrontDoor:
    """``routes`` is called once, at the first request, to learn the route templates.

    ``websockets`` maps an exact path (below the root path) to a bare ASGI WebSocket endpoint
    that the front door calls itself; it must be the endpoint the app would route that path to.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        hosts: HostGuard,
        cors: CorsPolicy,
        durations: RequestDurations,
        routes: RouteSource,
        events: EventLog | None = None,
        websockets: Mapping[str, ASGIApp] | None = None,
    ) -> None:
        self.app = app
        self.websockets = dict(websockets or {})
        self.hosts = hosts
        self.cors = cors
        self.durations = durations
        self.events = events
        self._routes = routes
        self._templates: RouteTemplates | None = None

    # Not ``async``: it hands back the coroutine that serves the scope, so a WebSocket holds
    # that one frame for its life, not this one too; lifespan events pass straight through.
    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        kind = scope["type"]
        if kind == "http":
            return self._http(scope, receive, send)
        if kind == "websocket":
            if self.hosts.applies(scope):
                verdict = self.hosts.verdict(_host_header(scope))
                if verdict is not Verdict.ALLOW:
                    return self.hosts.refusal(scope, verdict)(scope, receive, send)
            endpoint = self.websockets.get(_route_path(scope), self.app)
            return guarded_websocket(endpoint, scope, receive, send)
        return self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = perf_counter()
        status = 0  # no response started yet
        # The first Origin and User-Agent, as Starlette's Headers.get() finds them.
        host = origin = agent = None
        for name, value in scope["headers"]:
            if name == b"host":
                host = value if host is None else TWO_HOSTS
            elif name == b"origin":
                if origin is None:
                    origin = value
            elif name == b"user-agent" and agent is None:
                agent = value  # for the timeline: who is asking

        cors, hosts = self.cors, self.hosts

        async def send_with_cors(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = cors.decorate(message, origin)
            await send(message)

        try:
            verdict = hosts.verdict(host) if hosts.applies(scope) else Verdict.ALLOW
            if verdict is not Verdict.ALLOW:
                refusal = hosts.refusal(scope, verdict)
                status = refusal.status_code
                await refusal(scope, receive, send)
            elif origin is not None and cors.is_preflight(scope, origin):
                preflight = cors.preflight(scope)
                status = preflight.status_code
                await preflight(scope, receive, send)
            else:
                await self.app(scope, receive, send_with_cors)
        except Exception:
            if status:
                raise  # the response has begun: uvicorn ends the connection, the only way left
            log_http_failure(scope)
            status = 500
            await internal_error()(scope, receive, send)
        finally:
            record_request(
                self.durations,
                self.events,
                scope,
                (self._templates or self._learn_templates()).of(scope),
                status or 500,  # the app failed before answering (cancelled, say)
                perf_counter() - started,
                agent,
            )

    def _learn_templates(self) -> RouteTemplates:
        self._templates = RouteTemplates(self._routes())
        return self._templates


def _host_header(scope: Scope) -> bytes | None:
    """The Host header's value; ``TWO_HOSTS`` when there are more than one."""
    headers: Iterable[tuple[bytes, bytes]] = scope["headers"]
    host = None
    for key, value in headers:
        if key == b"host":
            host = value if host is None else TWO_HOSTS
    return host


def _route_path(scope: Scope) -> str:
    """The path below the root path, as Starlette's routing matches it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] == "/":
        return path[len(root) :]
    return path
