"""ui.core.traffic.recording_file: the file format, written and read back, and its refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from ui.core.traffic.recording_file import Recorder, RecordingError, read_recording, without_token


def test_what_a_recorder_writes_reads_back_in_order(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    recorder = Recorder(path, "http://127.0.0.1:8000/ws?token=s3cret&since=4", ["orders"])
    recorder.opened()
    recorder.frame({"type": "welcome", "data": {}})
    recorder.frame({"type": "broadcast", "id": 5, "channel": "orders", "data": {"n": 1}})
    recorder.frame({"type": "broadcast", "id": 6, "data": {"n": 2}})
    recorder.closed(1000)
    recorder.close()
    assert recorder.kept == 3
    recording = read_recording(path)
    assert recording.header["source"] == "http://127.0.0.1:8000/ws?since=4"
    assert "s3cret" not in path.read_text()
    assert [frame["id"] for _, frame in recording.broadcasts()] == [5, 6]
    summary = recording.summary()
    assert summary["frames"] == 3 and summary["broadcasts"] == 2
    assert summary["channels"] == {"orders": 1, "": 1}


def test_a_last_line_cut_short_by_a_crash_is_left_out(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    recorder = Recorder(path, "http://h")
    recorder.frame({"type": "broadcast", "id": 1, "data": {}})
    recorder.close()
    with path.open("a") as file:
        file.write('{"t": 1.0, "kind": "fra')
    assert [frame["id"] for _, frame in read_recording(path).broadcasts()] == [1]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "empty, not a PulseDesk recording"),
        ('{"format": "other"}\n', "line 1: not a PulseDesk recording"),
        ('{"format": "pulsedesk-recording", "version": 9}\n', "line 1: recording version 9"),
        ('{"format": "pulsedesk-recording", "version": 1}\n[1]\n{}\n', "line 2: not a JSON object"),
    ],
)
def test_what_is_not_a_recording_is_refused_naming_the_line(
    tmp_path: Path, text: str, said: str
) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(text)
    with pytest.raises(RecordingError, match=said):
        read_recording(path)


def test_without_token_keeps_the_rest_of_the_query() -> None:
    assert without_token("ws://h/ws?token=a&channels=x") == "ws://h/ws?channels=x"
