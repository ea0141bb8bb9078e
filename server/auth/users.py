"""The user store: people and tools with tokens of their own, made and revoked at run time.

Users live in ``users.json`` in the config dir (mode 0600), beside a per-server key in
``users.key`` (0600). The file holds, for each user, its role, when it was made and last used,
and an HMAC-SHA256 digest of its token under that key, never the token: the token exists in
plain text only in the answer that creates it (docs/design.md, "Tokens", says why a keyed fast
hash and not a password hash).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from server.auth.minting import new_token
from server.settings import Role

USERS_FILE = "users.json"
KEY_FILE = "users.key"
#: Names a user may have: what fits in a URL path and a log line without quoting.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: The admin token's principal is called this; no user may take the name.
RESERVED_NAMES = frozenset({"admin"})
#: ``last_used`` changes with every request: it reaches the file at most this often per user.
LAST_USED_FLUSH_SECONDS = 60.0


class UserStoreError(RuntimeError):
    """The store's files are unsafe or unreadable; the message says which and what to do."""


class UserExists(ValueError):
    pass


class UnknownUser(KeyError):
    pass


def check_name(name: str) -> str:
    """The name if it is a valid user name; ValueError in words otherwise."""
    if not NAME_PATTERN.match(name):
        raise ValueError(
            "a user name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter "
            "or digit"
        )
    if name.lower() in RESERVED_NAMES:
        raise ValueError(f"{name!r} is reserved for the admin token")
    return name


@dataclass(slots=True)
class StoredUser:
    name: str
    role: Role
    digest: str
    created: float
    last_used: float | None = None

    def public(self) -> dict[str, Any]:
        """What may be shown anywhere: everything but the digest."""
        return {
            "name": self.name,
            "role": self.role,
            "created": _datetime(self.created),
            "last_used": _datetime(self.last_used) if self.last_used is not None else None,
        }


def _datetime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by its owner only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read_private(path: Path) -> str | None:
    """The file's text, None when it does not exist; refused when others may read it."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    if mode & 0o077:
        raise UserStoreError(
            f"{path} has mode {mode:04o}, so others may read it; run `chmod 600 {path}`"
        )
    return path.read_text(encoding="utf-8")


class UserStore:
    """Users with their own tokens, kept in ``folder``. Safe to use from several threads."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / USERS_FILE
        self.key_path = folder / KEY_FILE
        self._lock = threading.Lock()
        self._key: bytes | None = None
        self._users: dict[str, StoredUser] | None = None
        self._by_digest: dict[str, StoredUser] = {}
        self._flushed: dict[str, float] = {}
        # The file as last read or written: another process (``pulsedesk users`` while this
        # server runs elsewhere) may change it, and a revoke there must count here at once.
        self._stamp: tuple[int, int] | None = None

    # Loading and saving ------------------------------------------------------------------------

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return None
        return info.st_mtime_ns, info.st_size

    def _load(self) -> dict[str, StoredUser]:
        if self._users is not None and self._file_stamp() != self._stamp:
            self._users = None  # changed by another process: read it again
        if self._users is None:
            self._stamp = self._file_stamp()
            text = _read_private(self.path)
            users: dict[str, StoredUser] = {}
            if text is not None:
                try:
                    for entry in json.loads(text).get("users", []):
                        user = StoredUser(**entry)
                        users[user.name] = user
                except (ValueError, TypeError, AttributeError) as exc:
                    message = f"{self.path} is not a PulseDesk user file: {exc}"
                    raise UserStoreError(message) from None
            self._users = users
            self._by_digest = {user.digest: user for user in users.values()}
        return self._users

    def _save(self) -> None:
        users = self._load()
        body = {"version": 1, "users": [asdict(user) for user in users.values()]}
        _write_private(self.path, json.dumps(body, indent=2) + "\n")
        self._stamp = self._file_stamp()
        self._flushed = {name: time.monotonic() for name in users}

    def _secret_key(self) -> bytes:
        if self._key is None:
            text = _read_private(self.key_path)
            if text is None:
                text = secrets.token_hex(32)
                _write_private(self.key_path, text + "\n")
            self._key = bytes.fromhex(text.strip())
        return self._key

    def digest(self, token: str) -> str:
        """HMAC-SHA256 of ``token`` under this server's key. Fast on purpose: a slow password
        hash guards guessable secrets, and these tokens are 256 random bits no guess finds; the
        key makes a copied ``users.json`` useless without ``users.key``."""
        return hmac.new(self._secret_key(), token.encode(), hashlib.sha256).hexdigest()

    # What the API and the command line do -----------------------------------------------------

    def users(self) -> list[StoredUser]:
        with self._lock:
            return sorted(self._load().values(), key=lambda user: user.name)

    def get(self, name: str) -> StoredUser | None:
        with self._lock:
            return self._load().get(name)

    def add(self, name: str, role: Role = "user") -> tuple[StoredUser, str]:
        """Make a user; returns it and its token, which is never stored or shown again."""
        check_name(name)
        with self._lock:
            users = self._load()
            if name in users:
                raise UserExists(f"there is already a user {name!r}")
            token = new_token()
            user = StoredUser(name, role, self.digest(token), time.time())
            users[name] = user
            self._by_digest[user.digest] = user
            self._save()
            return user, token

    def rotate(self, name: str) -> tuple[StoredUser, str]:
        """A new token for ``name``; the old one stops working at once."""
        with self._lock:
            user = self._load().get(name)
            if user is None:
                raise UnknownUser(name)
            token = new_token()
            del self._by_digest[user.digest]
            user.digest = self.digest(token)
            self._by_digest[user.digest] = user
            self._save()
            return user, token

    def revoke(self, name: str) -> StoredUser:
        with self._lock:
            user = self._load().pop(name, None)
            if user is None:
                raise UnknownUser(name)
            self._by_digest.pop(user.digest, None)
            self._save()
            return user

    def identify(self, token: str) -> StoredUser | None:
        """The user whose token this is, noting that it was used; None for no user."""
        with self._lock:
            if not self._load():
                return None
            user = self._by_digest.get(self.digest(token))
            if user is None:
                return None
            user.last_used = time.time()
            flushed = self._flushed.get(user.name)
            if flushed is None or time.monotonic() - flushed >= LAST_USED_FLUSH_SECONDS:
                self._save()
            return user

    def flush(self) -> None:
        """Write the latest ``last_used`` times (at shutdown)."""
        with self._lock:
            if self._users:
                self._save()
