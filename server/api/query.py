"""Query parameters given once: every parameter of these routes holds one value, so a name
repeated (``?q=a&q=b``) is a 422 naming it, not the last value silently winning."""

from __future__ import annotations

from collections import Counter

from fastapi import Request
from fastapi.exceptions import RequestValidationError


async def each_given_once(request: Request) -> None:
    """A route dependency: RequestValidationError (422) for the first name given twice."""
    counts = Counter(name for name, _ in request.query_params.multi_items())
    repeated = [name for name, count in counts.items() if count > 1]
    if repeated:
        name = repeated[0]
        raise RequestValidationError(
            [
                {
                    "type": "repeated",
                    "loc": ("query", name),
                    "msg": f"given {counts[name]} times; give it once",
                    "input": request.query_params.getlist(name),
                }
            ]
        )
