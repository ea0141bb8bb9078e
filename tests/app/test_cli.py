"""The command line: settings precedence, ``token``, refusals with exit 2 (in process), and
as a real process: --version, --help, config mistakes, and a missing desktop extra."""

from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
import textwrap
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
        (["serve", "--port", "70000"], "the flag --port: port = 70000: expected at most 65535"),
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


# --- As a real process ------------------------------------------------------------------------


def run(tmp_path: Path, *args: str, env: dict[str, str] | None = None, code: str | None = None):
    """``python -m app ARGS`` (or ``-c CODE ARGS``) with a clean PULSEDESK_* environment."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PULSEDESK_")}
    environ["PULSEDESK_CONFIG_DIR"] = str(tmp_path / "config")
    environ["PULSEDESK_DATA_DIR"] = str(tmp_path / "data")
    environ.update(env or {})
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "app"]
    return subprocess.run(
        [*command, *args], env=environ, capture_output=True, text=True, timeout=60
    )


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_version_prints_the_package_version_and_with_v_python_and_qt(tmp_path: Path) -> None:
    for flag in ("-V", "--version"):
        done = run(tmp_path, flag)
        assert done.returncode == 0, done.stderr
        assert re.fullmatch(r"pulsedesk \d+\.\d+\.\d+\S*\n", done.stdout), done.stdout
    verbose = run(tmp_path, "-V", "-v")
    assert verbose.returncode == 0, verbose.stderr
    lines = verbose.stdout.splitlines()
    assert lines[0] == done.stdout.strip()
    assert lines[1].startswith("Python 3.")
    assert re.match(r"Qt 6\.\d+\.\d+ \(PySide6 6\.", lines[2]), lines  # the test extra has Qt


def test_help_shows_the_defaults_the_config_file_and_the_variables(tmp_path: Path) -> None:
    done = run(tmp_path, "--help")
    assert done.returncode == 0
    out = " ".join(done.stdout.split())  # argparse wraps lines where it likes
    assert "(default 8000)" in out and "(default 127.0.0.1)" in out
    assert "PULSEDESK_*" in out and "PULSEDESK_CONFIG" in out and "--config FILE" in out
    serve = run(tmp_path, "serve", "--help")
    assert serve.returncode == 0
    description = serve.stdout.split("\n\n")[1]
    assert "Run the PulseDesk server alone" in description
    assert "(default 8000)" in " ".join(serve.stdout.split())


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("prot = 8123\n", "{file}, line 1: unknown setting 'prot' (did you mean 'port'?)"),
        (
            'port = 8000\n\n[users.grafana]\ntokn = "a-long-random-string"\n',
            "{file}, line 4: unknown setting 'users.grafana.tokn' (did you mean 'token'?)",
        ),
        ('port = "abc"\n', "{file}, line 1: port = 'abc': expected a whole number"),
        ('auth = "sometimes"\n', "auth = 'sometimes': expected one of 'auto', 'required' or 'off'"),
        ("port = 8000\nhost = \n", "{file}, line 2: not valid TOML: Invalid value (column 8)"),
    ],
    ids=["unknown-key", "unknown-nested-key", "bad-value", "bad-choice", "broken-toml"],
)
def test_a_config_file_mistake_is_one_line_naming_the_file_and_exit_2(
    tmp_path: Path, config: str, expected: str
) -> None:
    file = tmp_path / "pulsedesk.toml"
    file.write_text(config)
    # `token` loads the settings as every command does, and would print the token at once.
    done = run(tmp_path, "token", "--config", str(file))
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert line.startswith("pulsedesk: ") and expected.format(file=file) in line
    assert "pydantic" not in line and "http" not in line  # not pydantic's raw text and URL
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (
            ["token"],
            {"PULSEDESK_PORT": "abc"},
            "the variable PULSEDESK_PORT: port = 'abc': expected a",
        ),
        (
            ["token"],
            {"PULSEDESK_CORS_ORIGINS": "x"},
            "the variable PULSEDESK_CORS_ORIGINS: expected JSON",
        ),
        (["serve", "--port", "70000"], {}, "the flag --port: port = 70000: expected at most"),
    ],
    ids=["variable", "variable-not-json", "flag"],
)
def test_a_bad_value_says_which_variable_or_flag_it_came_from(
    tmp_path: Path, args: list[str], env: dict[str, str], expected: str
) -> None:
    done = run(tmp_path, *args, env=env)
    assert done.returncode == 2
    assert expected in one_line(done.stderr)


def test_a_bad_token_value_is_not_repeated_back(tmp_path: Path) -> None:
    file = tmp_path / "pulsedesk.toml"
    file.write_text('[users.grafana]\ntoken = "a-secret-token-value"\nrole = "boss"\n')
    done = run(tmp_path, "token", "--config", str(file))
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert "users.grafana.role = 'boss': expected one of 'admin' or 'user'" in line
    assert "a-secret-token-value" not in done.stdout + done.stderr


def test_an_unknown_variable_is_warned_about_by_name(tmp_path: Path) -> None:
    done = run(tmp_path, "token", env={"PULSEDESK_PROT": "8123", "PULSEDESK_PORT": "8124"})
    assert done.returncode == 0, done.stderr
    assert one_line(done.stderr) == (
        "pulsedesk: warning: PULSEDESK_PROT is not a PulseDesk setting and is ignored "
        "(did you mean 'PULSEDESK_PORT'?)"
    )


# Stands in for an installation without the desktop extra: the real PySide6 and qasync are
# installed here (the test extra needs them), so a meta-path finder placed first refuses them,
# exactly as Python does for a package that is not there.
WITHOUT_DESKTOP = textwrap.dedent(
    """
    import sys

    class NotInstalled:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("PySide6", "shiboken6", "qasync"):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NotInstalled())
    from app.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


@pytest.mark.parametrize("args", [[], ["--connect", "http://127.0.0.1:9"]])
def test_without_the_desktop_extra_the_window_says_what_to_install_before_starting(
    tmp_path: Path, args: list[str]
) -> None:
    done = run(tmp_path, "--port", "0", *args, code=WITHOUT_DESKTOP)
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert "pip install 'pulsedesk[desktop]'" in line and "pulsedesk serve" in line
    assert done.stdout == ""  # no server was started
    assert not (tmp_path / "config" / "admin-token").exists()
    # The same stand-in leaves the headless server working.
    assert run(tmp_path, "serve", "--help", code=WITHOUT_DESKTOP).returncode == 0


def test_version_without_qt_says_it_is_not_installed(tmp_path: Path) -> None:
    done = run(tmp_path, "--version", "-v", code=WITHOUT_DESKTOP)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("pulsedesk ") and lines[1].startswith("Python 3.")
    assert lines[2] == "Qt: not installed (the window needs pip install 'pulsedesk[desktop]')"
