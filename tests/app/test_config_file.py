"""The config file around Settings: which file is in use, where each value came from, masks for
what is printed, each field's problem in words, and saving that keeps the user's comments."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from app import config_file
from server.config_errors import ConfigError
from server.settings import Settings


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


def test_the_named_file_wins_then_the_variable_then_the_default(tmp_path: Path) -> None:
    environ = {"PULSEDESK_CONFIG": str(tmp_path / "env.toml"), "PULSEDESK_CONFIG_DIR": "/cfg"}
    assert config_file.file_in_use(tmp_path / "named.toml", environ) == tmp_path / "named.toml"
    assert config_file.file_in_use(None, environ) == tmp_path / "env.toml"
    assert config_file.file_in_use(None, {"PULSEDESK_CONFIG_DIR": "/cfg"}) == Path(
        "/cfg/pulsedesk.toml"
    )


def test_secrets_are_masked_for_printing() -> None:
    mask = config_file.MASK
    assert config_file.masked("admin_token", SecretStr("s3cret")) == mask
    assert config_file.masked("broadcast_url", "redis://:pw@redis:6379/0") == (
        f"redis://{mask}@redis:6379/0"
    )
    assert config_file.masked("port", 8000) == 8000
    users = Settings(users={"alice": {"token": "t" * 32, "role": "user"}}).users
    assert config_file.masked("users", users) == {"alice": {"token": mask, "role": "user"}}


def test_validation_errors_name_each_field_in_words() -> None:
    assert config_file.validation_errors({"port": 8000}) == {}
    errors = config_file.validation_errors({"port": "eighty", "max_connections": -1})
    assert set(errors) == {"port", "max_connections"}
    assert all(isinstance(message, str) and message for message in errors.values())


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
