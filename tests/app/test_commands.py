"""``pulsedesk config`` and ``pulsedesk users``, on real files and a real server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.cli import main
from server.settings import Settings
from tests.known_tokens import remember_token
from tests.servers import StartServer


def test_config_path_prints_the_default_file(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(config_dir / "pulsedesk.toml")


def test_config_init_writes_the_defaults_with_comments_and_never_overwrites(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "init"]) == 0
    path = config_dir / "pulsedesk.toml"
    text = path.read_text()
    assert "# The port; 0 asks the system for any free one.\nport = 8000\n" in text
    assert Settings.load().model_dump() == Settings().model_dump()
    # Its commented examples are TOML, in place: without their comment signs, the file loads.
    examples = ("# users.grafana = ", "# check_targets = ", '# channels."ops-*" = ')
    path.write_text(
        "".join(
            line.removeprefix("# ") if line.startswith(examples) else line
            for line in text.splitlines(keepends=True)
        )
    )
    uncommented = Settings.load()
    assert uncommented.users["grafana"].role == "user" and uncommented.port == 8000
    assert uncommented.check_targets and uncommented.channels["ops-*"].publish == ["admin"]
    path.write_text("port = 8125  # mine\n")
    assert main(["config", "init"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert path.read_text() == "port = 8125  # mine\n"


def test_config_show_names_each_source_and_masks_tokens(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir.mkdir()
    secret = remember_token("a-token-that-must-not-be-printed-0123456789")
    (config_dir / "pulsedesk.toml").write_text(
        f'service_name = "orders"\n[users.grafana]\ntoken = "{secret}"\n'
    )
    monkeypatch.setenv("PULSEDESK_ENVIRONMENT", "staging")
    monkeypatch.setenv("PULSEDESK_ADMIN_TOKEN", secret)
    assert main(["--port", "8126", "config", "show"]) == 0
    out = capsys.readouterr().out
    lines = {line.split(" = ")[0]: line for line in out.splitlines()}
    assert lines["port"].endswith("# flag --port")
    assert lines["environment"].endswith("# environment PULSEDESK_ENVIRONMENT")
    assert lines["service_name"].endswith(f"# file {config_dir / 'pulsedesk.toml'}")
    assert lines["host"].endswith("# default")
    assert secret not in out and "********" in lines["users"]


def test_users_against_the_file_when_no_server_runs(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--port", "1", "users", "add", "grafana"]) == 0
    token = remember_token(capsys.readouterr().out.splitlines()[-1])
    assert token not in (config_dir / "users.json").read_text()
    assert main(["--port", "1", "users", "list"]) == 0
    listing = capsys.readouterr().out
    assert "grafana" in listing and "user" in listing and token not in listing
    assert main(["--port", "1", "users", "revoke", "grafana"]) == 0
    assert main(["--port", "1", "users", "revoke", "grafana"]) == 2
    assert "no user 'grafana'" in capsys.readouterr().err
    assert main(["users", "add", "bad name"]) == 2


def test_users_against_the_running_server_take_effect_at_once(
    start_server: StartServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = start_server(auth="required")
    monkeypatch.setenv("PULSEDESK_CONFIG_DIR", str(server.settings.config_dir))
    port = str(server.port)
    assert main(["--port", port, "users", "add", "ops", "--role", "admin"]) == 0
    token = remember_token(capsys.readouterr().out.splitlines()[-1])
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{server.url}/api/v1/users", headers=headers).status_code == 200
    assert main(["--port", port, "users", "revoke", "ops"]) == 0
    assert "their connections are closed" in capsys.readouterr().out
    assert httpx.get(f"{server.url}/api/v1/users", headers=headers).status_code == 401


def test_an_unknown_key_in_the_default_file_is_refused_with_the_key_named(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir.mkdir()
    (config_dir / "pulsedesk.toml").write_text("prot = 8123\n")
    assert main(["config", "show"]) == 2
    err = capsys.readouterr().err
    assert "pulsedesk.toml, line 1: unknown setting 'prot'" in err and "'port'" in err
    assert main(["config", "path"]) == 0  # still says where the file to fix is


def test_users_list_says_the_same_from_the_server_and_from_the_file(
    start_server: StartServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    filed = remember_token("a-token-of-a-person-in-the-config-file-0042")
    server = start_server(auth="required", users={"filed": {"token": filed}})
    monkeypatch.setenv("PULSEDESK_CONFIG_DIR", str(server.settings.config_dir))
    monkeypatch.setenv("PULSEDESK_USERS", f'{{"filed": {{"token": "{filed}"}}}}')
    port = str(server.port)
    assert main(["--port", port, "users", "add", "carol"]) == 0
    token = remember_token(capsys.readouterr().out.splitlines()[-1])
    assert main(["--port", port, "users", "add", "dave"]) == 0
    remember_token(capsys.readouterr().out.splitlines()[-1])
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{server.url}/status/user", headers=headers).status_code == 200
    assert main(["--port", port, "users", "list"]) == 0
    from_server = capsys.readouterr().out
    server.stop()  # writes carol's last use; the command now reads the file
    assert main(["--port", port, "users", "list"]) == 0
    from_file = capsys.readouterr().out
    assert from_server == from_file
    rows = {line.split()[0]: line for line in from_file.splitlines()[1:]}
    assert rows["carol"].endswith(" UTC") and rows["dave"].endswith("never")
    assert rows["filed"].split()[2:] == ["config", "file", "-"]
