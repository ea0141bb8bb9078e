"""StatusView: what the Status panel shows, as one value. A view starts knowing nothing; marking
it unavailable or stopped keeps the bodies last answered, the very objects (the panel shows
those facts greyed and tells fresh ones by identity); and it cannot be changed in place."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace
from typing import Any

import pytest

from ui.core.status import StatusView

API_STATUS = {"status": "operational", "service": "svc", "version": "0.1.0"}
PAGE = {"status": "operational", "environment": "production"}


def test_a_new_view_knows_nothing_yet() -> None:
    view = StatusView()
    assert view.api_status is None and view.page is None
    assert view.unavailable is None and not view.stopped


@pytest.mark.parametrize("change", [{"unavailable": "timed out"}, {"stopped": True}])
def test_unavailable_or_stopped_keeps_the_last_answers(change: dict[str, Any]) -> None:
    answered = StatusView(API_STATUS, PAGE)
    marked = replace(answered, **change)
    assert marked.api_status is answered.api_status and marked.page is answered.page
    assert marked != answered


def test_a_view_cannot_be_changed_in_place() -> None:
    view = StatusView(API_STATUS, PAGE)
    with pytest.raises(FrozenInstanceError):
        view.stopped = True  # type: ignore[misc]
