"""The default config file and ``pulsedesk config`` / ``pulsedesk users``, on real files and
a real server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app import config_file
from app.cli import main
from server.config_errors import ConfigError
from server.settings import Settings
from tests.conftest import StartServer, remember_token


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config dir of this test's own, where the default file is looked for."""
    folder = tmp_path / "config"
    monkeypatch.setenv("PULSEDESK_CONFIG_DIR", str(folder))
    monkeypatch.setenv("PULSEDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PULSEDESK_CONFIG", raising=False)
    return folder


def test_the_default_file_is_read_when_no_file_is_named(config_dir: Path) -> None:
    config_dir.mkdir()
    (config_dir / "pulsedesk.toml").write_text('port = 8123\nservice_name = "from-default"\n')
    settings = Settings.load()
    assert (settings.port, settings.service_name) == (8123, "from-default")


def test_a_named_file_wins_over_the_default_one(config_dir: Path, tmp_path: Path) -> None:
    config_dir.mkdir()
    (config_dir / "pulsedesk.toml").write_text("port = 8123\n")
    named = tmp_path / "named.toml"
    named.write_text("port = 8124\n")
    assert Settings.load(named).port == 8124


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


def test_config_show_and_an_error_name_the_same_source(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A variable in lower case, and a nested one: the settings read both, so both say so.
    monkeypatch.setenv("pulsedesk_port", "not-a-port")
    monkeypatch.setenv("PULSEDESK_CHECK_TARGETS__db", "tcp://127.0.0.1:5432")
    where = config_file.sources({})
    assert (where.where["port"], where.detail["port"]) == ("environment", "pulsedesk_port")
    assert where.detail["check_targets"] == "PULSEDESK_CHECK_TARGETS__db"
    with pytest.raises(ConfigError, match="the variable pulsedesk_port"):
        Settings.load()


def test_saving_keeps_the_users_comments_and_order(tmp_path: Path) -> None:
    path = tmp_path / "pulsedesk.toml"
    path.write_text(
        '# my server\nservice_name = "orders"  # what clients see\n\n'
        '[check_targets]\n# the database\ndb = "tcp://127.0.0.1:5432"\n'
    )
    config_file.save(path, {"port": 8127, "service_name": "billing"})
    text = path.read_text()
    assert text.startswith('# my server\nservice_name = "billing"  # what clients see\n')
    assert "# the database\ndb = " in text
    assert Settings.load(path).port == 8127


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
