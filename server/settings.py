"""One settings object for the whole service.

Precedence, highest first: explicit values (command-line flags), ``PULSEDESK_*`` environment
variables, a TOML config file, defaults. The object is built once by the composition root and
passed in; nothing below reads the environment on its own.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from server.config_errors import (
    ConfigFile,
    Origins,
    explain,
    not_json,
    read_config_file,
    unknown_variables,
)

AuthMode = Literal["auto", "required", "off"]
Role = Literal["admin", "user"]

# The TOML file for the Settings being built, read and checked by ``load``. A context variable
# rather than a class attribute, so two loads with different files cannot see each other's.
_config_file: ContextVar[ConfigFile | None] = ContextVar("pulsedesk_config_file", default=None)

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")
DEFAULT_CONFIG_NAME = "pulsedesk.toml"


def default_config_file(environ: Mapping[str, str] = os.environ) -> Path:
    """``<user config dir>/pulsedesk/pulsedesk.toml``: read when no file is named.

    In ``PULSEDESK_CONFIG_DIR`` when that is set, so a config dir moved elsewhere (the tests'
    scratch folder, a second profile) brings its own file.
    """
    folder = environ.get("PULSEDESK_CONFIG_DIR")
    base = Path(folder) if folder else platformdirs.user_config_path("pulsedesk")
    return base / DEFAULT_CONFIG_NAME


def is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def file_name(name: str) -> str:
    """``name`` as a safe file name part; a name that had to be changed gets a short hash of
    the original, so two names never share one file."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name).strip(".")
    if safe == name and safe:
        return safe
    return f"{safe[:40]}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def is_loopback(host: str) -> bool:
    """True for an address or name that only this machine can reach."""
    if host in ("localhost", "[::1]"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class UserSpec(BaseModel):
    """A bearer token and the role it grants."""

    token: SecretStr
    role: Role = "user"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PULSEDESK_", env_nested_delimiter="__", extra="ignore"
    )

    # Where to listen. Port 0 asks the OS for any free port.
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)

    service_name: str = "my-awesome-service"
    environment: str = "development"
    log_level: str = "info"

    # Security. "auto" requires a token whenever the bind address is not loopback.
    auth: AuthMode = "auto"
    admin_token: SecretStr | None = None
    users: dict[str, UserSpec] = Field(default_factory=dict)
    cors_origins: list[str] = Field(
        default_factory=lambda: ["http://localhost:3000", "https://www.example.com"]
    )
    # Host names accepted besides the loopback ones when bound to loopback (DNS-rebinding guard).
    allowed_hosts: list[str] = Field(default_factory=list)

    # Named targets that POST /health/check may probe: http(s)://... or tcp://host:port.
    check_targets: dict[str, str] = Field(default_factory=dict)
    check_timeout_max: float = 30.0

    # Seconds a client has to send a request's complete headers (slowloris guard): 408 after.
    header_timeout: float = Field(10.0, gt=0)

    # WebSocket limits.
    max_frame_bytes: int = Field(64 * 1024, ge=1024)
    rate_limit: float = Field(20.0, gt=0, description="messages per second per connection")
    rate_burst: int = Field(40, ge=1)
    max_connections: int = Field(10_000, ge=1)
    # Frames queued for one client before it is closed as too slow (1013). Sized for bursts:
    # a client that falls a whole second behind a busy server still fits.
    queue_limit: int = Field(2048, ge=1)
    history_size: int = Field(1000, ge=0)
    ping_interval: float = 20.0
    ping_timeout: float = 20.0
    per_message_deflate: bool = False
    close_timeout: float = 10.0
    shutdown_timeout: float = 1.0

    # Where the token file and the message store live; platformdirs picks when unset.
    config_dir: Path | None = None
    data_dir: Path | None = None

    broadcast_url: str | None = None

    # The SQLite message store in data_dir: retention by count and by age.
    store_enabled: bool = True
    store_max_messages: int = Field(100_000, ge=1)
    store_max_age_days: float = Field(30.0, gt=0)
    store_flush_interval: float = Field(0.25, gt=0)

    # What `pulsedesk load` may do: more clients or a faster rate than this are refused.
    load_max_clients: int = Field(10_000, ge=1)
    load_max_rate: float = Field(2_000.0, gt=0, description="broadcasts per second")

    # The event timeline (GET /api/v1/events, the $events channel): how many events are kept
    # in memory, newest first out; 0 records nothing.
    events_size: int = Field(10_000, ge=0)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config = _config_file.get()
        # What TomlConfigSettingsSource does, minus reading the file a second time.
        toml = InitSettingsSource(settings_cls, config.values if config is not None else {})
        return (init_settings, env_settings, toml)

    @classmethod
    def load(cls, config_file: str | Path | None = None, **flags: Any) -> Settings:
        """Build settings from flags (None means "not given"), environment, config file.

        ConfigError (one line, naming the setting and where it came from) for a missing or
        broken config file, an unknown key in it, or a bad value from any source. The config
        file is ``config_file``, else ``PULSEDESK_CONFIG``, else the default file when it
        exists (``default_config_file``).
        """
        path = config_file or os.environ.get("PULSEDESK_CONFIG")
        if path is None and default_config_file().is_file():
            path = default_config_file()
        given = {key: value for key, value in flags.items() if value is not None}
        config = read_config_file(Path(path), cls) if path is not None else None
        origins = Origins(flags=given, environ=os.environ, config=config)
        token = _config_file.set(config)
        try:
            return cls(**given)
        except ValidationError as exc:
            raise explain(exc, origins) from None
        except SettingsError as exc:  # a variable that should hold JSON (a list, a table)
            raise not_json(exc, origins) from None
        finally:
            _config_file.reset(token)

    @classmethod
    def unknown_variables(cls) -> list[str]:
        """Warnings for the ``PULSEDESK_*`` variables that name no setting."""
        return unknown_variables(os.environ, cls)

    # Derived values -------------------------------------------------------------------------

    @property
    def auth_required(self) -> bool:
        if self.auth == "auto":
            return not is_loopback(self.host)
        return self.auth == "required"

    @property
    def config_path(self) -> Path:
        return self.config_dir or platformdirs.user_config_path("pulsedesk")

    @property
    def data_path(self) -> Path:
        return self.data_dir or platformdirs.user_data_path("pulsedesk")

    @property
    def store_file(self) -> Path:
        """The message store of this service: one per service name in the data dir, so a
        service started with another name never opens the first one's history."""
        return self.data_path / f"messages-{file_name(self.service_name)}.sqlite3"

    @property
    def token_file(self) -> Path:
        return self.config_path / "admin-token"

    def trusted_hosts(self) -> list[str]:
        """Host header values accepted on a loopback socket (see server.edge.host_check)."""
        # "testserver" is the Host Starlette's TestClient sends; it names no real machine.
        return [*LOOPBACK_NAMES, "testserver", *self.allowed_hosts]
