"""People and tools with tokens of their own: create, list, rotate, revoke. Admin token only.

A token is in exactly one answer, the one that makes it (create or rotate). Revoking or
rotating takes effect at once: the next request with the old token is 401, and the user's
open WebSockets are closed with 1008.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path, Response, status

from common.close_codes import CloseCode
from server.api.errors import FORBIDDEN, UNAUTHORIZED, UNPARSEABLE_BODY, ErrorDetail, Responses
from server.api.first_use import built_on_first_use
from server.api.routing import SharedPathRoute
from server.auth.dependencies import ServiceDep, require_admin
from server.auth.users import NAME_PATTERN, RESERVED_NAMES, StoredUser, UnknownUser, UserExists
from server.schemas.requests import NewUserRequest
from server.schemas.responses import NewToken, UserList
from server.service import Service

router = APIRouter(
    prefix="/api/v1/users",
    tags=["users"],
    route_class=built_on_first_use(SharedPathRoute),  # token before body; a 405 names GET and POST
    dependencies=[Depends(require_admin)],
    responses={**UNAUTHORIZED, **FORBIDDEN},
)

NOT_FOUND: Responses = {404: {"model": ErrorDetail, "description": "No such user"}}
CONFLICT: Responses = {
    409: {
        "model": ErrorDetail,
        "description": "The name is taken, or the user is defined in the config file",
    }
}
UserName = Path(pattern=NAME_PATTERN.pattern, description="The user's name")


def _answer(user: StoredUser, token: str | None = None) -> dict[str, Any]:
    body = {**user.public(), "source": "store"}
    if token is not None:
        body["token"] = token
    return body


def _refuse_config_user(service: Service, name: str) -> None:
    if name in service.settings.users:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"{name!r} is defined in the config file ([users.{name}]); change it there",
        )


def _disconnect(service: Service, name: str, reason: str) -> int:
    """Close every open WebSocket of ``name``; how many there were."""
    theirs = [conn.id for conn in service.hub.connections() if conn.user == name]
    return sum(
        service.hub.disconnect(conn_id, CloseCode.POLICY_VIOLATION, reason) for conn_id in theirs
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=NewToken,
    responses={**CONFLICT, **UNPARSEABLE_BODY},
)
async def create_user(request: NewUserRequest, service: ServiceDep) -> dict[str, Any]:
    """Make a user and answer its token, this once: it is stored only as a keyed digest."""
    if request.name.lower() in RESERVED_NAMES:
        raise HTTPException(status.HTTP_409_CONFLICT, f"{request.name!r} is the admin token's")
    _refuse_config_user(service, request.name)
    try:
        user, token = service.tokens.store.add(request.name, request.role)
    except UserExists as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return _answer(user, token)


@router.get("", response_model=UserList)
async def list_users(service: ServiceDep) -> dict[str, Any]:
    """Every user, from the store and from the config file; never a token."""
    configured = [
        {"name": name, "role": spec.role, "created": None, "last_used": None, "source": "config"}
        for name, spec in sorted(service.settings.users.items())
    ]
    stored = [
        _answer(user)
        for user in service.tokens.store.users()
        if user.name not in service.settings.users
    ]
    return {"users": [*configured, *stored]}


@router.delete(
    "/{name}", status_code=status.HTTP_204_NO_CONTENT, responses={**NOT_FOUND, **CONFLICT}
)
async def revoke_user(service: ServiceDep, name: str = UserName) -> Response:
    """Revoke the user's token now and close their open WebSockets (1008)."""
    _refuse_config_user(service, name)
    try:
        service.tokens.store.revoke(name)
    except UnknownUser:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no user {name!r}") from None
    _disconnect(service, name, "token revoked")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{name}/token", response_model=NewToken, responses={**NOT_FOUND, **CONFLICT})
async def rotate_token(service: ServiceDep, name: str = UserName) -> dict[str, Any]:
    """A new token for the user, answered this once; the old one stops working at once."""
    _refuse_config_user(service, name)
    try:
        user, token = service.tokens.store.rotate(name)
    except UnknownUser:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no user {name!r}") from None
    _disconnect(service, name, "token rotated")
    return _answer(user, token)
