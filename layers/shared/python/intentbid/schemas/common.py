from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from intentbid.domain.clock import to_rfc3339


def _integral(value: Any) -> Any:
    """JSON Schema counts ``100.0`` as an integer (and some encoders write integers that way): accept it as 100.
    ``100.5`` and ``"100"`` still fail strict validation."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Integer = Annotated[int, BeforeValidator(_integral)]


class StrictModel(BaseModel):
    """Request bodies: strict JSON types, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class Out(BaseModel):
    """Response objects."""

    model_config = ConfigDict(extra="forbid")


Timestamp = Annotated[datetime, PlainSerializer(to_rfc3339, return_type=str, when_used="json")]
InTimestamp = Annotated[AwareDatetime, Field(description="RFC 3339 with an offset, e.g. 2026-12-01T12:00:00Z")]


def utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(20, ge=1, le=100, description="Page size, 1-100")
    cursor: str | None = Field(None, max_length=2048, description="Opaque cursor from a previous page")
