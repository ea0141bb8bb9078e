"""The shared models (base schema, status, paging), on Pydantic v2's configuration."""

from __future__ import annotations

import math
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class StatusEnum(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    PENDING = "pending"
    DELETED = "deleted"


class BaseSchema(BaseModel):
    """Base schema with common fields."""

    model_config = ConfigDict(from_attributes=True)

    id: str | None = Field(None, description="Unique identifier")
    created_at: datetime | None = Field(None, description="Creation timestamp")
    updated_at: datetime | None = Field(None, description="Last update timestamp")
    status: StatusEnum | None = Field(StatusEnum.ACTIVE, description="Entity status")


class PaginationParams(BaseModel):
    """Pagination parameters for list endpoints."""

    page: int = Field(1, ge=1, description="Page number")
    size: int = Field(20, ge=1, le=100, description="Page size")


T = TypeVar("T")


class PaginatedResponse(BaseModel, Generic[T]):
    """Paginated response wrapper."""

    items: list[T]
    total: int
    page: int
    size: int
    pages: int

    @classmethod
    def create(cls, items: list[T], total: int, page: int, size: int) -> PaginatedResponse[T]:
        return cls(items=items, total=total, page=page, size=size, pages=math.ceil(total / size))
