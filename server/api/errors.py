"""The error answers routes declare, so the OpenAPI document lists every status they return.

FastAPI documents a route's success and its 422 on its own; the refusals that come from
dependencies (401, 403) or from FastAPI before validation (400 for a body that cannot be
decoded as text; a body that is text but not JSON is a 422 ``json_invalid``) have to be
declared by the route, with these.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

Responses = dict[int | str, dict[str, Any]]


class ErrorDetail(BaseModel):
    """The body of an HTTP error raised with HTTPException."""

    detail: str


UNAUTHORIZED: Responses = {401: {"model": ErrorDetail, "description": "No valid bearer token"}}
FORBIDDEN: Responses = {
    403: {"model": ErrorDetail, "description": "A valid token, but not the admin token"}
}
UNPARSEABLE_BODY: Responses = {
    400: {"model": ErrorDetail, "description": "The body could not be decoded (not UTF-8 text)"}
}
