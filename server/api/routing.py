"""Routes that share a path: a 405 names every method the path answers.

Starlette answers a method a route does not take with the first route whose path matched, and
its ``Allow`` header names only that route's methods: ``GET`` and ``PUT /api/v1/log-level``,
two routes, would each say only their own. Routes of this class are told, once the app's routes
are known (``share_allow``), what their path allows in all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from fastapi import HTTPException, status
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send


class SharedPathRoute(APIRoute):
    #: Every method of every route on this path ("GET, HEAD, PUT"); set by ``share_allow``.
    allow: str = ""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.allow and self.methods and scope["method"] not in self.methods:
            raise HTTPException(status.HTTP_405_METHOD_NOT_ALLOWED, headers={"Allow": self.allow})
        await super().handle(scope, receive, send)


def share_allow(routes: Iterable[BaseRoute]) -> None:
    """Tell each SharedPathRoute the methods of all the routes on its path."""
    routes = list(routes)
    methods: dict[str, set[str]] = defaultdict(set)
    for route in routes:
        if isinstance(route, APIRoute):
            methods[route.path] |= route.methods or set()
    for route in routes:
        if isinstance(route, SharedPathRoute):
            route.allow = ", ".join(sorted(methods[route.path]))
