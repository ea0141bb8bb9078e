"""Everything one running service owns, created by the app factory, not at import."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

import psutil

from server.hub import Hub
from server.settings import Settings
from server.tokens import TokenRegistry


def package_version() -> str:
    try:
        return version("pulsedesk")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+source"


@dataclass
class Service:
    settings: Settings
    hub: Hub
    tokens: TokenRegistry
    version: str = field(default_factory=package_version)
    started: float = field(default_factory=time.monotonic)
    process: psutil.Process = field(default_factory=psutil.Process)

    @classmethod
    def create(cls, settings: Settings) -> Service:
        hub = Hub(
            queue_limit=settings.queue_limit,
            history_size=settings.history_size,
            close_timeout=settings.close_timeout,
        )
        return cls(settings=settings, hub=hub, tokens=TokenRegistry(settings))

    @property
    def uptime(self) -> float:
        return time.monotonic() - self.started

    def resident_memory(self) -> int:
        return int(self.process.memory_info().rss)
