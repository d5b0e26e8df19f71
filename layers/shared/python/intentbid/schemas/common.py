from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer
from pydantic_core import PydanticCustomError

from intentbid.domain.clock import to_rfc3339


def _integral(value: Any) -> Any:
    """JSON Schema counts ``100.0`` as an integer (and some encoders write integers that way): accept it as 100.
    ``100.5`` and ``"100"`` still fail strict validation."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Integer = Annotated[int, BeforeValidator(_integral)]


# Request text is stripped before its length is checked, so "  " is too short. For the document to say so, a
# required text must contain one character that no whitespace definition in play (Python's str.isspace, Rust's
# White_Space used by pydantic-core, ECMAScript's \s used by JSON Schema tools) counts as blank.
NON_BLANK = (
    r"[!-~\u00a1-\u167f\u1681-\u1fff\u200b-\u2027\u202a-\u202e\u2030-\u205e\u2060-\u2fff\u3001-\ufefe\uff00-\uffff]"
)
Text = Annotated[str, Field(pattern=NON_BLANK)]


# Every schema model is ``defer_build``: a model's validator and serializer are built on its first use (the
# endpoint adapter builds its route's own models at cold start, ``intentbid.http.api``), not when its module is
# imported - a function loads whole schema modules but uses a few of their models (issue 12, cold start).
class StrictModel(BaseModel):
    """Request bodies: strict JSON types, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True, defer_build=True)


class Out(BaseModel):
    """Response objects."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


Timestamp = Annotated[datetime, PlainSerializer(to_rfc3339, return_type=str, when_used="json")]
# Every timestamp a request may carry lies in this window once normalised to UTC (inclusive). The calendar's
# edges (``9999-12-31T23:59:59-12:00`` is past year 9999 in UTC) would otherwise overflow further down.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _in_window(dt: datetime) -> datetime:
    """Normalise to UTC; outside [EARLIEST, LATEST] -> field error ``out_of_range`` (400 ``validation_failed``)."""
    try:
        value = dt.astimezone(UTC)
    except OverflowError:  # the offset pushes it past year 1 or 9999
        value = None
    if value is None or not EARLIEST <= value <= LATEST:
        raise PydanticCustomError(
            "out_of_range",
            "must lie between 1970-01-01T00:00:00Z and 2100-01-01T00:00:00Z (once converted to UTC)",
            {"minimum": "1970-01-01T00:00:00Z", "maximum": "2100-01-01T00:00:00Z"},
        )
    return value


InTimestamp = Annotated[
    AwareDatetime,
    AfterValidator(_in_window),
    Field(description="RFC 3339 with an offset, e.g. 2026-12-01T12:00:00Z; between 1970-01-01Z and 2100-01-01Z"),
]


def utc(dt: datetime) -> datetime:
    """A request timestamp in UTC (already normalised by :data:`InTimestamp`, so this cannot overflow)."""
    return dt.astimezone(UTC)


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    limit: int = Field(20, ge=1, le=100, description="Page size, 1-100")
    cursor: str | None = Field(None, max_length=2048, description="Opaque cursor from a previous page")
