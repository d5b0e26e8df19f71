from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from intentbid.schemas.common import InTimestamp, Out, PageQuery, StrictModel, Timestamp

Environment = Literal["live", "test"]


class FieldErrorOut(Out):
    field: str
    code: str
    message: str
    params: dict[str, Any] | None = Field(
        None, description="The bounds or allowed values the message states, for machines (when the rule has any)"
    )


class Rejection(Out):
    id: str
    object: Literal["rejection"] = "rejection"
    vendor_id: str
    rfo_id: str | None = None
    offer_id: str | None = None
    action: Literal["submit", "revise"]
    environment: Environment
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
    environment: Environment = Field(description="Where the activity happened: sandbox activity raises sandbox flags")
    created_at: Timestamp


class FlagPage(Out):
    object: Literal["list"] = "list"
    data: list[FlagOut]
    next_cursor: str | None = None


class FlagQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    vendor_id: str | None = Field(None, max_length=64)
    day: str | None = Field(None, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description="UTC day; default today")
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=2048)


class RejectionQuery(PageQuery):
    environment: Environment | None = Field(
        None,
        description="Admins: which environment's rejections (default live). A vendor key always lists its own "
        "environment's; naming the other one is 400 environment_not_allowed",
    )


class CooldownSet(StrictModel):
    until: InTimestamp = Field(description="When the cooldown ends (future, at most 30 days away)")
    reason: str = Field(max_length=500, description="Why (1-500 characters); shown to ops and audited")
    environment: Environment = Field(
        "live", description="Which of the vendor's environments cools down (default live; the other is untouched)"
    )


class CooldownQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    environment: Environment = Field("live", description="Which of the vendor's environments (default live)")


class VendorCooldown(Out):
    object: Literal["vendor_cooldown"] = "vendor_cooldown"
    vendor_id: str
    environment: Environment = Field(description="Cooldowns, strikes and counters are per (vendor, environment)")
    cooldown_until: Timestamp | None = None
    reason: str | None = None
    strikes: int
    refused_during_cooldown: int = Field(
        0,
        description="vendor_cooldown refusals during the current (or last lifted) cooldown: all counted here, "
        "only the first is logged in the rejections log",
    )
