"""The command line in process: settings precedence, ``token``, and refusals with exit 2."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import pytest

from app.cli import build_parser, load_settings, main


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("PULSEDESK_CONFIG_DIR", str(folder))
    monkeypatch.setenv("PULSEDESK_DATA_DIR", str(tmp_path / "data"))
    return folder


def test_token_creates_the_file_0600_and_prints_the_same_token_each_time(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token"]) == 0
    first = capsys.readouterr().out.strip()
    token_file = config_dir / "admin-token"
    assert token_file.read_text().strip() == first
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert main(["token"]) == 0
    assert capsys.readouterr().out.strip() == first


def test_token_prints_a_configured_admin_token(
    config_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "pulsedesk.toml"
    config.write_text('admin_token = "from-the-config-file-0123456789"\n')
    assert main(["token", "--config", str(config)]) == 0
    assert capsys.readouterr().out.strip() == "from-the-config-file-0123456789"
    assert not (config_dir / "admin-token").exists()


def test_token_refuses_a_readable_file(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir.mkdir()
    (config_dir / "admin-token").write_text("leaky\n")
    (config_dir / "admin-token").chmod(0o640)
    assert main(["token"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("pulsedesk: ") and "chmod 600" in captured.err


def test_flags_beat_environment_beat_config_file(
    config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "pulsedesk.toml"
    config.write_text('port = 7001\nenvironment = "from-file"\nservice_name = "file-name"\n')
    monkeypatch.setenv("PULSEDESK_PORT", "7002")
    monkeypatch.setenv("PULSEDESK_ENVIRONMENT", "from-env")
    parser = build_parser()

    settings = load_settings(parser.parse_args(["--config", str(config), "--port", "7003"]))
    assert (settings.port, settings.environment, settings.service_name) == (
        7003,
        "from-env",
        "file-name",
    )
    # Options before the subcommand count, and the subcommand's own win over them.
    before = load_settings(parser.parse_args(["--port", "7004", "serve"]))
    assert before.port == 7004
    after = load_settings(parser.parse_args(["--port", "7004", "serve", "--port", "7005"]))
    assert after.port == 7005
    assert load_settings(parser.parse_args(["serve"])).port == 7002


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--port", "70000"], "bad settings"),
        (["serve", "--config", "/no/such/pulsedesk.toml"], "config file not found"),
    ],
)
def test_bad_settings_exit_2_with_a_message(
    config_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_serve_on_a_port_in_use_exits_2(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"port {port} on 127.0.0.1 is already in use" in err


def test_help_names_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "serve" in out and "token" in out and "--connect" in out
