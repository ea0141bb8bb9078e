"""Tools -> Replay on a real server: a recording chosen, shown, and sent to a listener."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.known_tokens import remember_token
from tests.server.instances import open_client
from tests.servers import StartServer, admin_token
from ui.dialogs.replay import ReplayDialog


def write_recording(path: Path, texts: list[str]) -> None:
    header = {"format": "pulsedesk-recording", "version": 1, "source": "http://x", "started": "s"}
    lines = [header]
    for n, text in enumerate(texts, start=1):
        frame = {"type": "broadcast", "id": n, "client": "c1", "data": {"text": text}}
        lines.append({"t": n * 0.05, "kind": "frame", "frame": frame})
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_replay_from_the_dialog_reaches_an_external_listener(
    qtbot: QtBot, start_server: StartServer, tmp_path: Path
) -> None:
    server = start_server()
    path = tmp_path / "session.jsonl"
    write_recording(path, ["alpha", "beta", "gamma"])
    loop = asyncio.new_event_loop()
    try:
        listener = loop.run_until_complete(open_client(server))
        dialog = ReplayDialog(server.url, remember_token(admin_token(server)))
        qtbot.addWidget(dialog)
        dialog.load(path)
        assert dialog.contents.text().startswith("3 broadcasts over 0.1 s")
        assert dialog.go_button.isEnabled()
        dialog.speed.setValue(0)
        dialog.go_button.click()
        qtbot.waitUntil(lambda: not dialog.tool.running, timeout=60_000)
        assert dialog.progress.value() == 3

        async def texts() -> list[str]:
            return [(await listener.take("broadcast"))["data"]["text"] for _ in range(3)]

        assert loop.run_until_complete(asyncio.wait_for(texts(), 20)) == ["alpha", "beta", "gamma"]
        loop.run_until_complete(listener.ws.close())
    finally:
        loop.close()


@pytest.mark.parametrize("text", ["", "not json\n"])
def test_a_file_that_is_not_a_recording_is_explained(
    qtbot: QtBot, tmp_path: Path, text: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(text)
    dialog = ReplayDialog("http://127.0.0.1:9", None)
    qtbot.addWidget(dialog)
    dialog.load(path)
    assert "not a PulseDesk recording" in dialog.contents.text()
    assert not dialog.go_button.isEnabled()
