from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from intentbid.schemas.common import InTimestamp, Out, StrictModel, Timestamp


class FieldErrorOut(Out):
    field: str
    code: str
    message: str


class Rejection(Out):
    id: str
    object: Literal["rejection"] = "rejection"
    vendor_id: str
    rfo_id: str | None = None
    offer_id: str | None = None
    action: Literal["submit", "revise"]
    code: str
    status: int
    reason: str
    errors: list[FieldErrorOut]
    at: Timestamp


class RejectionPage(Out):
    object: Literal["list"] = "list"
    data: list[Rejection]
    next_cursor: str | None = None


class FlagOut(Out):
    id: str
    object: Literal["flag"] = "flag"
    code: str
    vendor_id: str
    rfo_id: str | None = None
    reason: str
    evidence: dict[str, Any]
    created_at: Timestamp


class FlagPage(Out):
    object: Literal["list"] = "list"
    data: list[FlagOut]
    next_cursor: str | None = None


class FlagQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    vendor_id: str | None = Field(None, max_length=64)
    day: str | None = Field(None, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description="UTC day; default today")
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=2048)


class CooldownSet(StrictModel):
    until: InTimestamp = Field(description="When the cooldown ends (future, at most 30 days away)")
    reason: str = Field(max_length=500, description="Why (1-500 characters); shown to ops and audited")


class VendorCooldown(Out):
    object: Literal["vendor_cooldown"] = "vendor_cooldown"
    vendor_id: str
    cooldown_until: Timestamp | None = None
    reason: str | None = None
    strikes: int
