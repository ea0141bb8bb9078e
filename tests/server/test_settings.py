"""Settings: the default config file and a named one, and the host and file-name rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import Settings, default_config_file, file_name, is_ip_address, is_loopback


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


def test_the_default_file_is_in_the_config_dir_when_one_is_set(tmp_path: Path) -> None:
    environ = {"PULSEDESK_CONFIG_DIR": str(tmp_path / "elsewhere")}
    assert default_config_file(environ) == tmp_path / "elsewhere" / "pulsedesk.toml"
    assert default_config_file({}).name == "pulsedesk.toml"
    assert default_config_file({}).parent.name == "pulsedesk"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("example.com", False),
        ("localhost.example.com", False),
    ],
)
def test_loopback_is_what_only_this_machine_can_reach(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_an_ip_address_is_told_from_a_name() -> None:
    assert is_ip_address("10.0.0.1") and is_ip_address("::1")
    assert not is_ip_address("localhost") and not is_ip_address("[::1]")


def test_file_names_are_safe_and_never_shared() -> None:
    assert file_name("orders-api") == "orders-api"
    made = {file_name(name) for name in ("a/b", "a_b", "a:b", "../x", "")}
    assert "a_b" in made and len(made) == 5  # "a/b" is not "a_b" once made safe
    for name in made:
        assert "/" not in name and not name.startswith(".")
