"""The TOML config file as the user sees it: where it is, a commented first one, where each
effective value came from, and saving changes into it without losing the user's comments.

Settings themselves are ``server.settings.Settings``; this module only reads and writes the
file around them. tomlkit keeps comments, order and formatting of a file it rewrites; it is
imported by the functions that read or write the file, as the window's start-up needs none of
them (tomlkit is about a fortieth of it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

from server.config_errors import ConfigFile, Origins
from server.settings import Settings, default_config_file

MASK = "********"

#: One line about each setting people change, for the file `config init` writes and the
#: Preferences dialog's tooltips. Settings not listed here get no comment.
HELP: dict[str, str] = {
    "host": "Where to listen: 127.0.0.1 is this computer only, 0.0.0.0 every network.",
    "port": "The port; 0 asks the system for any free one.",
    "service_name": "The name the health and status answers give.",
    "environment": "development, staging, production: shown in the status answer.",
    "log_level": "debug, info, warning or error.",
    "auth": "Tokens: auto (required beyond loopback), required, or off.",
    "admin_token": "The admin token; unset, one is made in the config dir (mode 0600).",
    "users": "Tokens for people and tools (or Edit → People…, pulsedesk users add).",
    "cors_origins": "Web pages (origins) that may call the API and open /ws.",
    "allowed_hosts": "Host names accepted on a loopback server besides localhost.",
    "check_targets": "Named probes for POST /health/check: http(s)://... or tcp://host:port.",
    "header_timeout": "Seconds a client has to send a request's headers.",
    "max_frame_bytes": "Largest WebSocket frame a client may send.",
    "rate_limit": "Messages per second per connection (admins are exempt).",
    "rate_burst": "Messages a connection may send at once before the rate applies.",
    "max_connections": "Open WebSockets at most; more are closed with 1013.",
    "queue_limit": "Frames queued for one slow client before it is closed (1013).",
    "history_size": "Broadcasts kept in memory for ?since= replays.",
    "broadcast_url": "redis://host:port/db to share broadcasts between servers.",
    "store_enabled": "Keep broadcast history in SQLite in the data dir.",
    "store_max_messages": "Stored broadcasts kept at most.",
    "store_max_age_days": "Stored broadcasts older than this are dropped.",
}


#: Commented examples for the settings that are tables: one line each, inline, so that taking
#: the comment sign away anywhere in the file gives a file that loads (a ``[table]`` header
#: there would take every key below it into that table).
EXAMPLES: dict[str, tuple[str, ...]] = {
    "users": ('users.grafana = { token = "a-long-random-string", role = "user" }',),
    "check_targets": ('check_targets = { database = "tcp://127.0.0.1:5432" }',),
    "channels": ('channels."ops-*" = { subscribe = ["admin"], publish = ["admin"] }',),
}


def file_in_use(config: str | Path | None = None, environ: Mapping[str, str] = os.environ) -> Path:
    """The file settings are read from and Preferences saves to: the named one, else the
    default file (which may not exist yet)."""
    named = config or environ.get("PULSEDESK_CONFIG")
    return Path(named) if named else default_config_file(environ)


def _toml_value(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, BaseModel):
        return _toml_value(value.model_dump())
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {key: _toml_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_toml_value(item) for item in value]
    return value


def init_text() -> str:
    """A config file with every setting at its default, each explained; unset ones commented."""
    import tomlkit

    document = tomlkit.document()
    document.add(tomlkit.comment("PulseDesk settings. Flags and PULSEDESK_* variables win over"))
    document.add(tomlkit.comment("this file; `pulsedesk config show` says where each value came"))
    document.add(tomlkit.comment("from. Delete a line to go back to the built-in default."))
    for name, info in Settings.model_fields.items():
        default = info.get_default(call_default_factory=True)
        document.add(tomlkit.nl())
        if name in HELP:
            document.add(tomlkit.comment(HELP[name]))
        if default is None or default == {}:
            for line in EXAMPLES.get(name, (f"{name} = ...",)):
                document.add(tomlkit.comment(line))
            continue
        document.add(name, _toml_value(default))
    return tomlkit.dumps(document)


@dataclass
class Sources:
    """Where each effective setting came from: "flag", "environment", "file" or "default"."""

    file: Path | None
    where: dict[str, str] = field(default_factory=dict)
    #: For the environment and flags: the variable or flag, to show beside the value.
    detail: dict[str, str] = field(default_factory=dict)

    def locked(self, name: str) -> str | None:
        """Why the Preferences dialog may not change ``name``, as the start-up errors name it:
        "the flag --port", "the variable PULSEDESK_PORT"."""
        kind = {"flag": "the flag", "environment": "the variable"}.get(self.where.get(name, ""))
        return f"{kind} {self.detail[name]}" if kind else None


def sources(
    flags: Mapping[str, Any],
    config: str | Path | None = None,
    environ: Mapping[str, str] = os.environ,
) -> Sources:
    """Where each setting of ``Settings`` would come from: the rules ``Settings.load`` explains
    its errors with (``server.config_errors.Origins``), so the two never disagree."""
    import tomlkit

    path: Path | None = file_in_use(config, environ)
    file = None
    if path is not None and path.is_file():
        text = path.read_text(encoding="utf-8")
        file = ConfigFile(path, text, tomlkit.parse(text).unwrap())
    else:
        path = None
    given = {key: value for key, value in flags.items() if value is not None}
    origins = Origins(flags=given, environ=environ, config=file)
    found = Sources(file=path)
    for name in Settings.model_fields:
        kind, detail = origins.source(name)
        found.where[name] = kind
        if kind in ("flag", "environment"):
            found.detail[name] = detail
    return found


def masked(name: str, value: Any) -> Any:
    """``value`` fit to print: tokens and passwords replaced by a mask."""
    if isinstance(value, SecretStr):
        return MASK
    if name == "users" and isinstance(value, dict):
        return {user: {"token": MASK, "role": spec.role} for user, spec in value.items()}
    if isinstance(value, str) and "://" in value:
        return re.sub(r"//([^/@]*)@", f"//{MASK}@", value)  # redis://:password@host
    return _toml_value(value)


def show_text(settings: Settings, where: Sources) -> str:
    """The effective settings as TOML, each line saying where its value came from."""
    import tomlkit

    lines = [f"# config file: {where.file or 'none'}"]
    for name in Settings.model_fields:
        value = masked(name, getattr(settings, name))
        origin = where.where[name]
        if origin == "file":
            origin = f"file {where.file}"
        elif origin in ("flag", "environment"):
            origin = f"{origin} {where.detail[name]}"
        if value is None:
            lines.append(f"{'# ' + name + ' is unset':<44} # {origin}")
            continue
        item = tomlkit.item(value)
        if isinstance(item, tomlkit.items.Table):
            item = tomlkit.inline_table()
            item.update(value)
        line = f"{name} = {item.as_string()}"
        lines.append(f"{line:<44} # {origin}")
    return "\n".join(lines) + "\n"


def validation_errors(values: Mapping[str, Any]) -> dict[str, str]:
    """Each field's problem in words, checked by the Settings model itself (no environment,
    no file: only ``values`` and the defaults)."""
    try:
        Settings.model_validate(dict(values))
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else ""
            errors.setdefault(key, str(error["msg"]))
        return errors
    return {}


def save(path: Path, changes: Mapping[str, Any]) -> None:
    """Write ``changes`` into the TOML file at ``path``, keeping everything else as it was:
    the user's comments, the order of keys and tables, their formatting."""
    import tomlkit

    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    document = tomlkit.parse(text)
    for name, value in changes.items():
        document[name] = _toml_value(value)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.saving")
    temporary.write_text(tomlkit.dumps(document), encoding="utf-8")
    os.replace(temporary, path)


@dataclass(frozen=True)
class Origin:
    """How the running settings were loaded: the named config file (if any) and the flags.

    Preferences saves into ``file`` and reloads through ``load``, so flags and environment
    keep winning over what was saved, exactly as at start-up.
    """

    config: str | Path | None = None
    flags: Mapping[str, Any] = field(default_factory=dict)

    @property
    def file(self) -> Path:
        return file_in_use(self.config)

    def load(self) -> Settings:
        return Settings.load(self.config, **self.flags)

    def sources(self) -> Sources:
        return sources(self.flags, self.config)
