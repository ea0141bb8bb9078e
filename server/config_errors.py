"""Configuration mistakes, each said in one line that names the setting, where it came from
(a flag, a ``PULSEDESK_*`` variable, or the config file and its line) and what is expected.

``Settings.load`` uses these: the TOML file is read and checked here before the settings are
built (broken TOML and unknown keys are errors), a bad value is explained from pydantic's
error, and unknown ``PULSEDESK_*`` variables are reported for the caller to warn about.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

ENV_PREFIX = "PULSEDESK_"
# Read by the program, not settings: the config file's path, and the token the client commands
# (load, record, replay) send, which the window hands them this way.
EXTRA_VARIABLES = ("PULSEDESK_CONFIG", "PULSEDESK_TOKEN")
# Values never repeated back in a message: they may hold a token or a password.
SECRET_KEYS = ("admin_token", "broadcast_url", "token")


class ConfigError(ValueError):
    """A configuration mistake; ``str()`` is the one line to show the user."""


@dataclass(frozen=True)
class ConfigFile:
    """A TOML config file as read once: its path, its text (for line numbers) and its values."""

    path: Path
    text: str
    values: dict[str, Any]


def read_config_file(path: Path, model: type[BaseModel]) -> ConfigFile:
    """The TOML file, its values checked against ``model``'s fields (and nested models').

    ConfigError when the file is missing, is not valid TOML (with its line), or has a key
    that names no setting (with its line and the closest valid key).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc}") from None
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}{_toml_problem(str(exc))}") from None
    unknown = _unknown_keys(values, model)
    if unknown:  # the first one is enough to act on
        dotted, known = unknown[0]
        line = _line_of(text, dotted)
        where = f"{path}, line {line}" if line else str(path)
        raise ConfigError(f"{where}: unknown setting {dotted!r}{_closest(dotted, known)}")
    return ConfigFile(path, text, values)


def unknown_variables(environ: Mapping[str, str], model: type[BaseModel]) -> list[str]:
    """A warning for each ``PULSEDESK_*`` variable that names no setting (they are ignored)."""
    known = [ENV_PREFIX + name.upper() for name in model.model_fields]
    nested = [
        f"{ENV_PREFIX}{name.upper()}__"
        for name, spec in model.model_fields.items()
        if _has_keys(spec)
    ]
    warnings = []
    for variable in sorted(environ):
        name = variable.upper()
        if not name.startswith(ENV_PREFIX) or name in EXTRA_VARIABLES:
            continue
        if name in known or name.startswith(tuple(nested)):
            continue
        hint = _closest(name, [*known, *EXTRA_VARIABLES])
        warnings.append(f"{variable} is not a PulseDesk setting and is ignored{hint}")
    return warnings


@dataclass
class Origins:
    """Where each top-level setting came from, highest precedence first: flags, then
    environment variables, then the config file."""

    flags: Mapping[str, Any]
    environ: Mapping[str, str]
    config: ConfigFile | None = None

    def source(self, key: str) -> tuple[str, str]:
        """Where the setting ``key`` comes from: ("flag", "--port"), ("environment", the
        variable's name as given), ("file", the file's path) or ("default", "")."""
        if key in self.flags:
            return "flag", "--" + key.replace("_", "-")
        variable = self._variable(key)
        if variable is not None:
            return "environment", variable
        if self.config is not None and key in self.config.values:
            return "file", str(self.config.path)
        return "default", ""

    def of(self, loc: tuple[str | int, ...]) -> str:
        """The words for where the value at ``loc`` came from, with the file's line."""
        kind, detail = self.source(str(loc[0]))
        if kind == "flag":
            return f"the flag {detail}"
        if kind == "environment":
            return f"the variable {detail}"
        if kind == "file" and self.config is not None:
            line = _line_of(self.config.text, ".".join(map(str, loc)))
            return f"{detail}, line {line}" if line else detail
        return "the settings"

    def _variable(self, key: str) -> str | None:
        wanted = (ENV_PREFIX + key).upper()
        for name in self.environ:
            upper = name.upper()
            if upper == wanted or upper.startswith(wanted + "__"):
                return name
        return None


def explain(error: ValidationError, origins: Origins) -> ConfigError:
    """One line for the first problem in ``error`` (and how many more there are)."""
    problems = error.errors(include_url=False)
    first = problems[0]
    loc = tuple(first["loc"]) or ("settings",)
    dotted = ".".join(map(str, loc))
    shown = "" if _is_secret(loc) else f" = {first['input']!r}"
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    line = f"{origins.of(loc)}: {dotted}{shown}: expected {_expected(first)}{more}"
    return ConfigError(line)


def not_json(error: Exception, origins: Origins) -> ConfigError:
    """pydantic-settings could not parse a variable meant to hold a list or a table."""
    match = re.search(r'field "(\w+)"', str(error))
    where = origins.of((match[1],)) if match else "a PULSEDESK_* variable"
    return ConfigError(f'{where}: expected JSON, like ["a", "b"] or {{"name": "value"}}')


# --- helpers --------------------------------------------------------------------------------


def _is_secret(loc: tuple[str | int, ...]) -> bool:
    # A user's whole entry (users.NAME) holds its token; its role alone does not.
    return any(str(part) in SECRET_KEYS for part in loc) or (loc[0] == "users" and len(loc) < 3)


def _toml_problem(message: str) -> str:
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if match is None:
        return f": not valid TOML: {message}"
    what = message[: match.start()].strip()
    return f", line {match[1]}: not valid TOML: {what} (column {match[2]})"


def _nested_model(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model a field's values are checked against, and whether it sits under named keys
    (``dict[str, Model]``, like ``users``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    if typing.get_origin(annotation) is dict:
        args = typing.get_args(annotation)
        if len(args) == 2 and isinstance(args[1], type) and issubclass(args[1], BaseModel):
            return args[1], True
    return None, False


def _has_keys(spec: Any) -> bool:
    annotation = spec.annotation
    return typing.get_origin(annotation) is dict or _nested_model(annotation)[0] is not None


def _unknown_keys(
    values: Mapping[str, Any], model: type[BaseModel], prefix: str = ""
) -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    fields = model.model_fields
    for key, value in values.items():
        if key not in fields:
            found.append((prefix + key, list(fields)))
            continue
        inner, named = _nested_model(fields[key].annotation)
        if inner is None or not isinstance(value, dict):
            continue
        tables = value.items() if named else [("", value)]
        for name, table in tables:
            if isinstance(table, dict):
                where = f"{prefix}{key}.{name}." if named else f"{prefix}{key}."
                found.extend(_unknown_keys(table, inner, where))
    return found


def _closest(name: str, known: list[str]) -> str:
    leaf = name.rsplit(".", 1)[-1]
    matches = difflib.get_close_matches(leaf, known, n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def _line_of(text: str, dotted: str) -> int | None:
    """The line where the last part of ``dotted`` is set or opens a table (best effort)."""
    leaf = re.escape(dotted.rsplit(".", 1)[-1])
    head = re.escape(dotted.split(".", 1)[0])
    patterns = (rf"^\s*[\"']?{leaf}[\"']?\s*=", rf"^\s*\[+\s*[\"']?{head}\b")
    for pattern in patterns:
        for number, line in enumerate(text.splitlines(), start=1):
            if re.match(pattern, line):
                return number
    return None


def _expected(problem: Mapping[str, Any]) -> str:
    kind, ctx = problem["type"], problem.get("ctx") or {}
    simple = {
        "int_parsing": "a whole number",
        "int_type": "a whole number",
        "int_from_float": "a whole number",
        "float_parsing": "a number",
        "float_type": "a number",
        "bool_parsing": "true or false",
        "bool_type": "true or false",
        "string_type": "a string",
        "list_type": "a list",
        "dict_type": "a table of names and values",
        "missing": "a value (it is required)",
    }
    if kind in simple:
        return simple[kind]
    bounds = {
        "less_than_equal": ("at most", "le"),
        "less_than": ("less than", "lt"),
        "greater_than_equal": ("at least", "ge"),
        "greater_than": ("more than", "gt"),
    }
    if kind in bounds:
        words, name = bounds[kind]
        limit = ctx.get(name)
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)  # "more than 0", not "more than 0.0"
        return f"{words} {limit}"
    if kind == "literal_error":
        return f"one of {ctx.get('expected')}"
    message = str(problem["msg"]).removeprefix("Value error, ")
    return message.removeprefix("Input should be ")
