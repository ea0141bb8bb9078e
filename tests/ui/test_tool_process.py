"""ToolProcess: a real ``python -m app`` child, its lines as signals, and a failure's last line
of standard error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ui.tool_process import ToolProcess


def run(qtbot: Any, tool: ToolProcess, args: list[str], token: str | None = None) -> int:
    with qtbot.waitSignal(tool.finished, timeout=60_000) as finished:
        tool.start(args, token)
    return int(finished.args[0])


def test_a_tools_lines_come_out_as_text(qtbot: Any, tmp_path: Path) -> None:
    tool = ToolProcess()
    lines: list[str] = []
    tool.text.connect(lines.append)
    assert run(qtbot, tool, ["--config", str(tmp_path / "mine.toml"), "config", "path"]) == 0
    assert lines == [str(tmp_path / "mine.toml")]
    assert not tool.running


def test_a_failure_says_the_last_line_of_its_error(qtbot: Any, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"format": "pulsedesk-recording", "version": 1}\n{not json\n{"t": 1}\n')
    tool = ToolProcess()
    failures: list[str] = []
    tool.failed.connect(failures.append)
    assert run(qtbot, tool, ["replay", str(broken), "http://127.0.0.1:9"]) == 2
    (failure,) = failures
    assert failure.startswith(f"pulsedesk: {broken}, line 2: not JSON")
