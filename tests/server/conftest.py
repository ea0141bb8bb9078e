"""Fixtures for the server's tests: the app in process through Starlette's TestClient, and the
log levels put back."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from server.auth.tokens import TokenRegistry
from server.main import create_app
from server.observe.log_level import LOGGERS
from server.settings import Settings
from tests.servers import AppClient


@pytest.fixture
def app_client(make_settings: Callable[..., Settings]) -> Iterator[AppClient]:
    """A TestClient (lifespan run) for an app with these settings, the admin token preset."""
    clients: list[TestClient] = []

    def make(**overrides: object) -> TestClient:
        settings = make_settings(**overrides)
        test_client = TestClient(create_app(settings))
        test_client.__enter__()
        clients.append(test_client)
        token = TokenRegistry(settings).admin_token()
        test_client.headers["Authorization"] = f"Bearer {token}"
        return test_client

    yield make
    for test_client in clients:
        test_client.__exit__(None, None, None)


@pytest.fixture
def log_levels_come_back() -> Iterator[None]:
    """The server loggers' levels as they were before the test (the level is the process's)."""
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
