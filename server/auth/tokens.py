"""Bearer tokens: the admin token file, the users from settings and from the user store, and
who a token belongs to."""

from __future__ import annotations

import hmac
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from server.auth.minting import new_token
from server.auth.users import UserStore
from server.settings import Role, Settings


class InsecureTokenFile(RuntimeError):
    """The admin token file can be read by someone other than its owner."""


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def read_or_create_admin_token(path: Path) -> str:
    """Return the token stored at ``path``, creating it (mode 0600) on first use.

    A file that group or others may read is refused rather than silently tightened: the token
    may already have leaked, and the user should know.
    """
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        token = new_token()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it between stat and open
            return read_or_create_admin_token(path)
        with os.fdopen(fd, "w") as file:
            file.write(token + "\n")
        return token
    if mode & 0o077:
        raise InsecureTokenFile(
            f"{path} has mode {mode:04o}, so others may read the admin token; "
            f"run `chmod 600 {path}` (or delete it to make a new token)"
        )
    token = path.read_text().strip()
    if not token:
        raise InsecureTokenFile(f"{path} is empty; delete it to make a new token")
    return token


class TokenRegistry:
    """Maps bearer tokens to principals. The admin token and the user store load on first need.

    Users come from two places: the config file's ``[users.NAME]`` tables (tokens the operator
    wrote there) and the user store (``server.auth.users``, made through the API or
    ``pulsedesk users``). A name in the config file wins over the same name in the store.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        configured = settings.admin_token
        self._admin = configured.get_secret_value() if configured else None
        self._users = [
            (spec.token.get_secret_value().encode(), Principal(name, spec.role))
            for name, spec in settings.users.items()
        ]
        self._store: UserStore | None = None

    @property
    def store(self) -> UserStore:
        if self._store is None:
            self._store = UserStore(self._settings.config_path)
        return self._store

    def admin_token(self) -> str:
        if self._admin is None:
            self._admin = read_or_create_admin_token(self._settings.token_file)
        return self._admin

    def identify(self, token: str | None) -> Principal | None:
        """The principal that ``token`` authenticates, or None.

        Every known token is compared, each with ``hmac.compare_digest``, so the time taken
        says nothing about which token, or how much of one, matched.
        """
        if not token:
            return None
        candidate = token.encode()
        found: Principal | None = None
        if hmac.compare_digest(candidate, self.admin_token().encode()):
            found = Principal("admin", "admin")
        for secret, principal in self._users:
            if hmac.compare_digest(candidate, secret) and found is None:
                found = principal
        if found is None:
            user = self.store.identify(token)
            if user is not None and user.name not in self._settings.users:
                found = Principal(user.name, user.role)
        return found
