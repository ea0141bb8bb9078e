"""Routes built at their first use, not when they are declared.

Declaring an ``APIRoute`` solves its endpoint's signature and its dependencies and builds a
pydantic validator for each response model: most of what importing the server's routes costs,
and none of it is needed until the route is used. A route of ``built_on_first_use(RouteClass)``
holds from its declaration what routing needs to match a request (path, methods, name,
endpoint) and builds the rest, once, the first time anything else is asked of it: its first
request, the OpenAPI document, a look from a test. From then on it is the route ``RouteClass``
would have built, with the same attributes. Why: docs/design.md, "Launch".
"""

from __future__ import annotations

import threading
from typing import Any, TypeVar

from fastapi.routing import APIRoute
from starlette.routing import compile_path, get_name

R = TypeVar("R", bound=APIRoute)

#: One build at a time: a route asked for from two threads (a test's and the server's) is
#: built once, and the second caller waits for it.
_building = threading.RLock()
_classes: dict[type[APIRoute], type[APIRoute]] = {}


class _BuiltOnFirstUse:
    """Put before an APIRoute class: its ``__init__`` runs at the first look at an attribute
    the route does not hold yet."""

    def __init__(self, path: str, endpoint: Any, **options: Any) -> None:
        self.__dict__["_declared"] = (path, endpoint, options)
        self.path = path
        self.endpoint = endpoint
        name = options.get("name")
        self.name = get_name(endpoint) if name is None else name
        self.methods = {method.upper() for method in options.get("methods") or ["GET"]}
        self.path_regex, self.path_format, self.param_convertors = compile_path(path)

    def __getattr__(self, name: str) -> Any:
        state = self.__dict__
        if "_declared" in state:
            with _building:
                declared = state.get("_declared")
                if declared is not None:  # None: being built, by this thread (the lock's)
                    state["_declared"] = None
                    path, endpoint, options = declared
                    try:
                        super().__init__(path, endpoint, **options)  # type: ignore[call-arg]
                    except BaseException:
                        state["_declared"] = declared
                        raise
                    del state["_declared"]
        return object.__getattribute__(self, name)


def built_on_first_use(route_class: type[R]) -> type[R]:
    """``route_class`` whose routes are built at their first use (one class per route class,
    named as it is, and a subclass of it)."""
    deferred = _classes.get(route_class)
    if deferred is None:
        namespace = {"__module__": route_class.__module__, "__doc__": route_class.__doc__}
        deferred = type(route_class.__name__, (_BuiltOnFirstUse, route_class), namespace)
        _classes[route_class] = deferred
    return deferred  # type: ignore[return-value]
