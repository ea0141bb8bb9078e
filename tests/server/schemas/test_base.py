"""The shared models: a page of results counts its pages, and page parameters are bounded."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from server.schemas.base import BaseSchema, PaginatedResponse, PaginationParams, StatusEnum


@pytest.mark.parametrize(("total", "pages"), [(0, 0), (1, 1), (20, 1), (21, 2), (100, 5)])
def test_a_page_counts_the_pages_rounding_up(total: int, pages: int) -> None:
    page = PaginatedResponse[int].create(list(range(min(total, 20))), total, page=1, size=20)
    assert (page.total, page.page, page.size, page.pages) == (total, 1, 20, pages)


def test_page_parameters_are_bounded_and_default_to_the_first_twenty() -> None:
    assert PaginationParams.model_validate({}).model_dump() == {"page": 1, "size": 20}
    assert PaginationParams.model_validate({"page": 3, "size": 100}).size == 100
    for bad in ({"page": 0}, {"size": 0}, {"size": 101}):
        with pytest.raises(ValidationError):
            PaginationParams.model_validate(bad)


def test_an_entity_is_active_unless_it_says_otherwise() -> None:
    assert BaseSchema.model_validate({}).status is StatusEnum.ACTIVE
    assert BaseSchema.model_validate({"status": "pending"}).status is StatusEnum.PENDING
    with pytest.raises(ValidationError):
        BaseSchema.model_validate({"status": "gone"})
