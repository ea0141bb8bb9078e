"""People, against a real server: adding shows the token once (and the server keeps a digest),
rotating replaces it, revoking forgets it; people from the config file cannot be changed here."""

from __future__ import annotations

from typing import Any

import httpx

from tests.known_tokens import remember_token
from tests.servers import StartServer, admin_token
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
