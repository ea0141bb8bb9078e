"""Config mistakes in process: what is an unknown variable, where a value came from, and that
secrets are never repeated back. (tests/app/test_cli.py runs the same through the command line.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config_errors import ConfigError, read_config_file, unknown_variables
from server.settings import Settings


def test_nested_and_known_variables_are_not_warned_about() -> None:
    environ = {
        "PULSEDESK_PORT": "1",
        "pulsedesk_host": "127.0.0.1",  # pydantic-settings reads names in any case
        "PULSEDESK_USERS__GRAFANA__TOKEN": "t",
        "PULSEDESK_CHECK_TARGETS__DB": "tcp://127.0.0.1:5432",
        "PULSEDESK_CONFIG": "/etc/pulsedesk.toml",
        "PULSEDESK_TOKEN": "for the client commands",
        "HOME": "/root",
    }
    assert unknown_variables(environ, Settings) == []
    assert unknown_variables({"PULSEDESK_ADMIN_TOKN": "x"}, Settings) == [
        "PULSEDESK_ADMIN_TOKN is not a PulseDesk setting and is ignored "
        "(did you mean 'PULSEDESK_ADMIN_TOKEN'?)"
    ]


def test_a_bad_admin_token_is_explained_without_its_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "pulsedesk.toml"
    config.write_text("# tokens\nadmin_token = 1234567890123\n")
    with pytest.raises(ConfigError) as refused:
        Settings.load(config)
    assert str(refused.value) == f"{config}, line 2: admin_token: expected a string"

    monkeypatch.setenv("PULSEDESK_BROADCAST_URL", "redis://user:hunter2@127.0.0.1:1/0")
    monkeypatch.setenv("PULSEDESK_RATE_LIMIT", "-1")
    with pytest.raises(ConfigError) as refused:
        Settings.load()
    assert (
        str(refused.value)
        == "the variable PULSEDESK_RATE_LIMIT: rate_limit = '-1': expected more than 0"
    )


def test_the_file_is_read_once_and_its_values_reach_the_settings(tmp_path: Path) -> None:
    config = tmp_path / "pulsedesk.toml"
    config.write_text('port = 7001\n\n[users.grafana]\ntoken = "a-long-random-string"\n')
    read = read_config_file(config, Settings)
    assert read.values["users"]["grafana"]["token"] == "a-long-random-string"
    settings = Settings.load(config)
    assert settings.port == 7001 and settings.users["grafana"].role == "user"


def test_an_unreadable_config_file_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "pulsedesk.toml"
    config.write_bytes(b"port = 1\n\xff\n")
    with pytest.raises(ConfigError) as refused:
        Settings.load(config)
    assert str(refused.value).startswith(f"cannot read the config file {config}: ")


def test_the_app_built_from_the_environment_warns_of_unknown_variables(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """`uvicorn server.main:app` has no command line to print the warning: it is logged."""
    from server.main import create_app

    monkeypatch.setenv("PULSEDESK_PROT", "8123")
    with caplog.at_level("WARNING", logger="pulsedesk"):
        create_app()
    assert [record.getMessage() for record in caplog.records] == [
        "PULSEDESK_PROT is not a PulseDesk setting and is ignored (did you mean 'PULSEDESK_PORT'?)"
    ]
