"""People, against a real server: adding shows the token once (and the server keeps a digest),
rotating replaces it, revoking forgets it; people from the config file cannot be changed here;
and the list the dialog asked for first cannot hide a person added before it answered."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.auth.tokens import TokenRegistry
from server.main import create_app
from server.settings import Settings
from tests.known_tokens import remember_token
from tests.server.appserver import serve_app
from tests.servers import StartServer, admin_token
from tests.ui.cells import cell
from tests.ui.qasync_support import run
from ui.core.api import ApiClient
from ui.dialogs.people import PeopleDialog

FILE_TOKEN = remember_token("token-of-a-person-from-the-config-file-0123")


def whoami(url: str, token: str) -> httpx.Response:
    return httpx.get(f"{url}/status/user", headers={"Authorization": f"Bearer {token}"})


def test_add_rotate_and_revoke_a_person(
    qtbot: Any, qasync_loop: Any, start_server: StartServer
) -> None:
    server = start_server(users={"filed": {"token": FILE_TOKEN, "role": "user"}})
    api = ApiClient(server.url, admin_token(server))
    dialog = PeopleDialog(api, server.url)
    qtbot.addWidget(dialog)
    try:
        run(qtbot, dialog.reload())
        assert [person["name"] for person in dialog.people] == ["filed"]
        dialog.table.selectRow(0)
        assert not dialog.revoke_button.isEnabled()  # from the file: change it there
        assert "config file" in dialog.revoke_button.toolTip()

        assert run(qtbot, dialog.add("grafana", "user"))
        first = remember_token(dialog.token_field.text())
        assert dialog.token == first and dialog.token_panel.isVisibleTo(dialog)
        assert {person["name"] for person in dialog.people} == {"filed", "grafana"}
        assert whoami(server.url, first).json()["username"] == "grafana"

        run(qtbot, dialog.rotate("grafana"))
        second = remember_token(dialog.token_field.text())
        assert second != first and dialog.token_title.text() == "New token for grafana"
        selected = dialog.selected()  # the row of the person whose token is shown
        assert selected is not None and selected["name"] == "grafana"
        assert dialog.error.isHidden()  # nothing to say: no empty line above the token
        assert whoami(server.url, first).status_code == 401

        run(qtbot, dialog.revoke("grafana"))
        assert dialog.token is None and not dialog.token_panel.isVisibleTo(dialog)
        assert [person["name"] for person in dialog.people] == ["filed"]

        assert not run(qtbot, dialog.add("filed", "user"))  # taken: said, nothing made
        assert "Could not add 'filed'" in dialog.error.text()
        assert not dialog.error.isHidden()
    finally:
        run(qtbot, api.aclose())


@dataclass
class Gate:
    """When the first list of people leaves the server: ``held`` once the server has made it
    (and holds it back), and it goes when the test sets ``release``."""

    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


class HoldFirstList:
    """ASGI middleware: the first GET /api/v1/users is answered by the real app at once, and
    its answer (the list as it was then) is sent only when the gate is released."""

    def __init__(self, app: ASGIApp, gate: Gate) -> None:
        self.app = app
        self.gate = gate
        self.first = True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        asked = scope["type"] == "http" and scope["method"] == "GET"
        if not (self.first and asked and scope["path"] == "/api/v1/users"):
            await self.app(scope, receive, send)
            return
        self.first = False
        answer: list[Message] = []

        async def keep(message: Message) -> None:
            answer.append(message)

        await self.app(scope, receive, keep)
        self.gate.held.set()
        await asyncio.to_thread(self.gate.release.wait)
        for message in answer:
            await send(message)


@pytest.fixture
def slow_first_list(
    make_settings: Callable[..., Settings], qasync_loop: Any
) -> Iterator[tuple[ApiClient, Gate]]:
    """The real app under real uvicorn, its first list of people held back by a Gate; an API
    client with the admin token, as the desktop gives the dialog."""
    settings = make_settings(users={"filed": {"token": FILE_TOKEN, "role": "user"}})
    gate = Gate()
    app = create_app(settings)
    app.add_middleware(HoldFirstList, gate=gate)
    try:
        with serve_app(app, settings) as url:
            yield ApiClient(url, TokenRegistry(settings).admin_token(), timeout=30.0), gate
    finally:
        gate.release.set()  # never leave the server's thread waiting


def names(dialog: PeopleDialog) -> list[str]:
    shown = [cell(dialog.table, row, 0).text() for row in range(dialog.table.rowCount())]
    assert shown == [person["name"] for person in dialog.people]  # the table is the list
    return shown


def test_the_first_list_answering_after_an_add_does_not_hide_the_new_person(
    qtbot: Any, slow_first_list: tuple[ApiClient, Gate]
) -> None:
    """Real: the server, its routes, the HTTP client, the dialog. Only the order is the test's:
    the list asked for on opening is made before the Add and delivered after it (and after the
    list the Add reloaded), as a slow first answer would be."""
    api, gate = slow_first_list
    dialog = PeopleDialog(api, api.base_url)
    qtbot.addWidget(dialog)
    try:
        opening = asyncio.ensure_future(dialog.reload())  # as open_people starts it
        qtbot.waitUntil(gate.held.is_set)
        assert run(qtbot, dialog.add("grafana", "user"))
        remember_token(dialog.token_field.text())
        assert names(dialog) == ["filed", "grafana"]
        gate.release.set()
        qtbot.waitUntil(opening.done)
        opening.result()
        assert names(dialog) == ["filed", "grafana"]  # the older answer is dropped
        selected = dialog.selected()
        assert selected is not None and selected["name"] == "grafana"  # beside their token
    finally:
        run(qtbot, api.aclose())


def test_the_first_list_still_lands_when_the_add_before_it_fails(
    qtbot: Any, slow_first_list: tuple[ApiClient, Gate]
) -> None:
    """A refused Add changes nothing and reloads nothing: the first list is still the newest."""
    api, gate = slow_first_list
    dialog = PeopleDialog(api, api.base_url)
    qtbot.addWidget(dialog)
    try:
        opening = asyncio.ensure_future(dialog.reload())
        qtbot.waitUntil(gate.held.is_set)
        assert not run(qtbot, dialog.add("filed", "user"))  # taken: refused
        gate.release.set()
        qtbot.waitUntil(opening.done)
        assert names(dialog) == ["filed"]
        assert dialog.error.text().startswith("Could not add 'filed'")  # still said
    finally:
        run(qtbot, api.aclose())
