"""A route's answer serialized once, by its own model: for routes called all the time.

FastAPI validates what a route returns against its ``response_model`` and then serializes it,
even when the route returned an instance of that very model, already validated when it was
built. A route that returns ``serialized(model)`` keeps ``response_model`` for the OpenAPI
document and skips that second pass: the model's own serializer writes the JSON bytes, the
same bytes FastAPI would have written (``tests/server/api/test_serialized.py``).
"""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import Response


class SerializedResponse(Response):
    media_type = "application/json"


def serialized(model: BaseModel) -> Response:
    """``model`` as an ``application/json`` response, serialized once."""
    return SerializedResponse(model.__pydantic_serializer__.to_json(model))
