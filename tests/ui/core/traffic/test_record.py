"""Recording a real server: the frames one client gets, on the channels asked for, into a file
``read_recording`` reads back; a server that does not answer is an OSError at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.servers import StartServer, admin_token
from ui.core.traffic.record import record
from ui.core.traffic.recording_file import Recorder, read_recording


def test_the_broadcasts_on_the_channels_asked_for_are_recorded(
    start_server: StartServer, tmp_path: Path
) -> None:
    server = start_server()
    token = admin_token(server)
    out = tmp_path / "rec.jsonl"

    async def run() -> None:
        recorder = Recorder(out, server.url)
        stop = asyncio.Event()
        task = asyncio.create_task(
            record(server.url, recorder, token=None, channels=["orders"], stop=stop)
        )
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:

            async def channels() -> list[str]:
                listed = (await http.get("/api/v1/channels")).json()["channels"]
                return [channel["name"] for channel in listed]

            async with asyncio.timeout(10):
                while "orders" not in await channels():  # until the recorder has joined it
                    await asyncio.sleep(0.05)
            for channel, text in (("orders", "kept"), ("other", "not ours"), ("orders", "also")):
                body = {"data": {"text": text}, "channel": channel}
                assert (await http.post("/api/v1/broadcast", json=body)).status_code == 200
        async with asyncio.timeout(10):
            while len(_broadcasts(out, recorder)) < 2:
                await asyncio.sleep(0.05)
        stop.set()
        await task
        recorder.close()

    asyncio.run(run())
    texts = [frame["data"]["text"] for _, frame in read_recording(out).broadcasts()]
    assert texts == ["kept", "also"]


def _broadcasts(out: Path, recorder: Recorder) -> list[object]:
    recorder.flush()
    return list(read_recording(out).broadcasts())


def test_a_server_that_does_not_answer_is_an_oserror(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "rec.jsonl", "http://127.0.0.1:9")
    nowhere = "http://127.0.0.1:9"
    with pytest.raises(OSError, match=f"cannot connect to {nowhere}"):
        asyncio.run(record(nowhere, recorder, token=None, channels=[], stop=asyncio.Event()))
    recorder.close()
