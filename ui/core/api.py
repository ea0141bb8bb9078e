"""The server's HTTP API as the window uses it: one httpx.AsyncClient, errors as plain text.

The window is a client of its server exactly like a script would be; nothing here knows
whether the server runs in this process or on another machine.

httpx (with what it pulls in: httpcore, h11, and rich when it is installed) is imported at
the first request, not with this module: the window is shown and the embedded server is
starting before the window's first poll, and that import would hold up both.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    import anyio
    import httpx


#: What the window's requests say they are, so that its Timeline can leave its own polls out.
USER_AGENT = "PulseDesk-window"


class ApiError(Exception):
    """A request that failed; ``str()`` is a short reason fit for the window.

    For an HTTP error answer, ``status`` is its code and ``detail`` the server's own words.
    """

    def __init__(self, message: str, status: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail or message


@dataclass(frozen=True, slots=True)
class Answer:
    """A decoded JSON answer and how long the round trip took."""

    body: Any
    latency_ms: float


class ApiClient:
    """GET and POST against one base URL with an optional bearer token and a timeout."""

    def __init__(self, base_url: str, token: str | None, timeout: float = 2.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._headers = {"User-Agent": USER_AGENT}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._client: httpx.AsyncClient | None = None  # made at the first request
        self._closed = False
        #: Requests under way, each in a task of its own, with the scope that cancels it.
        self._sending: dict[asyncio.Task[httpx.Response | None], anyio.CancelScope] = {}

    def _connection(self) -> httpx.AsyncClient:
        if self._closed:
            # Not a new httpx client: nothing would ever close it.
            raise ApiError("the window's HTTP client is closed")
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(
                base_url=self.base_url, headers=self._headers, timeout=self.timeout
            )
        return self._client

    async def aclose(self) -> None:
        """Close the connections; a request after this, or still under way, is an ApiError.

        Requests under way are ended first: httpx's pool, closed while a request is still
        opening its connection, forgets that connection, and the request would go on to use
        it outside the pool, where nothing ever closes it.
        """
        self._closed = True
        while sending := [task for task in self._sending if not task.done()]:
            for task in sending:
                self._sending[task].cancel()
            await asyncio.wait(sending)
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def request(self, method: str, path: str, **kwargs: Any) -> Answer:
        client = self._connection()
        import anyio  # httpx's own, imported by _connection(): these only name them here
        import httpx

        started = time.perf_counter()
        # Ended through an anyio scope, never by a plain task.cancel(): httpcore shields its
        # clean-up with anyio scopes (closing the connections the server has closed), which a
        # plain cancel goes through, leaving the rest of them open outside the pool.
        scope = anyio.CancelScope()
        sending = asyncio.ensure_future(_send(scope, client, method, path, kwargs))
        self._sending[sending] = scope
        sending.add_done_callback(lambda task: self._sending.pop(task, None))
        try:
            response = await asyncio.shield(sending)
        except asyncio.CancelledError:  # our caller is cancelled: the request ends with it
            scope.cancel()
            await asyncio.wait([sending])
            raise
        except httpx.TimeoutException:
            raise ApiError(f"{path}: no answer within {self.timeout:g} s") from None
        except httpx.ConnectError:
            raise ApiError(f"{path}: connection refused") from None
        except httpx.HTTPError as exc:
            raise ApiError(f"{path}: {type(exc).__name__}: {exc}") from None
        if response is None:  # ended by aclose
            raise ApiError(f"{path}: the window's HTTP client closed")
        latency = (time.perf_counter() - started) * 1000
        if response.status_code >= 400:
            detail = _detail(response)
            raise ApiError(
                f"{path}: HTTP {response.status_code} {detail}", response.status_code, detail
            )
        body = response.json() if response.content else None
        return Answer(body, latency)

    async def get(self, path: str) -> Answer:
        return await self.request("GET", path)

    # The routes the window uses ---------------------------------------------------------------

    async def check_target(self, name: str, within: float) -> Answer:
        """POST /health/check: the server probes the named target, giving it ``within`` s."""
        body = {"service": name, "timeout": within}
        return await self.request("POST", "/health/check", json=body)

    async def disconnect(self, conn_id: str) -> None:
        await self.request("DELETE", f"/api/v1/connections/{conn_id}")

    async def users(self) -> list[dict[str, Any]]:
        users: list[dict[str, Any]] = (await self.get("/api/v1/users")).body["users"]
        return users

    async def add_user(self, name: str, role: str) -> dict[str, Any]:
        """The new user, with its token: the one answer that ever holds it."""
        body = {"name": name, "role": role}
        made: dict[str, Any] = (await self.request("POST", "/api/v1/users", json=body)).body
        return made

    async def rotate_token(self, name: str) -> dict[str, Any]:
        rotated: dict[str, Any] = (
            await self.request("POST", f"/api/v1/users/{quote(name, safe='')}/token")
        ).body
        return rotated

    async def revoke_user(self, name: str) -> None:
        await self.request("DELETE", f"/api/v1/users/{quote(name, safe='')}")

    async def send_direct(self, conn_id: str, data: dict[str, Any]) -> None:
        """A ``direct`` frame to one client."""
        await self.request("POST", f"/api/v1/connections/{conn_id}/send", json={"data": data})


async def _send(
    scope: anyio.CancelScope,
    client: httpx.AsyncClient,
    method: str,
    path: str,
    kwargs: dict[str, Any],
) -> httpx.Response | None:
    """The request, or None when ``scope`` was cancelled."""
    with scope:
        return await client.request(method, path, **kwargs)
    return None


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail", "")
    except (ValueError, AttributeError):
        detail = response.text[:200]
    return str(detail)
