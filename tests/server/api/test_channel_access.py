"""Who may subscribe and publish where on /ws: the names a query asks for, the server's own
``$``-names, ``*``, the config file's rules and the ``since`` a subscription may give."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from server.api.channel_access import channel_names, publish_target, subscription_target
from server.realtime.wire import ProtocolError
from server.service import Service
from server.settings import Settings

RULES = {"ops-*": {"subscribe": ["admin"]}, "news": {"publish": ["admin"]}}


@pytest.fixture
def service(make_settings: Callable[..., Settings]) -> Service:
    return Service.create(make_settings(channels=RULES, store_enabled=False))


def refusal(call: Callable[[], Any]) -> str:
    with pytest.raises(ProtocolError) as refused:
        call()
    return refused.value.code


def test_the_query_names_each_channel_once_in_order() -> None:
    assert channel_names(None) == [] and channel_names("") == []
    assert channel_names("orders, alerts,,orders , ") == ["orders", "alerts"]


def test_subscribing_follows_the_rules_and_keeps_the_servers_names(service: Service) -> None:
    assert subscription_target(service, "orders", None) == "orders"
    assert subscription_target(service, "ops-db", "admin") == "ops-db"
    assert subscription_target(service, "*", "admin") == "*"
    assert refusal(lambda: subscription_target(service, "ops-db", "user")) == "forbidden"
    assert refusal(lambda: subscription_target(service, "*", "user")) == "forbidden"
    assert refusal(lambda: subscription_target(service, "$events", "admin")) == "reserved_channel"
    assert refusal(lambda: subscription_target(service, "bad name", None)) == "invalid_channel"
    assert refusal(lambda: subscription_target(service, 42, None)) == "invalid_channel"


def test_publishing_follows_the_rules_and_nobody_publishes_to_star_or_dollar(
    service: Service,
) -> None:
    assert publish_target(service, None, None) is None  # no channel: everyone
    assert publish_target(service, "orders", "user") == "orders"
    assert publish_target(service, "news", "admin") == "news"
    assert refusal(lambda: publish_target(service, "news", "user")) == "forbidden"
    for name in ("*", "$events"):
        assert refusal(partial(publish_target, service, name, "admin")) == "reserved_channel"
