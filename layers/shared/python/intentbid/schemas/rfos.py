from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator
from pydantic_core import PydanticCustomError

from intentbid.domain.money import CURRENCIES, MAX_AMOUNT
from intentbid.domain.scoring import VERSIONS
from intentbid.domain.scoring_profiles import PROFILES
from intentbid.schemas.common import Integer, InTimestamp, Out, StrictModel, Text, Timestamp

Status = Literal["OPEN", "CLOSED", "AWARDED", "EXPIRED"]
Disclosure = Literal["sealed", "own_rank"]
SLUG = r"^[a-z0-9][a-z0-9_\-]{0,63}$"
# The fixed sets the services check (400 unknown_scoring_version / unknown_profile), stated as enums; an empty
# version is refused by ``min_length`` (it used to mean the default, which the document could not say).
VERSION_ENUM: dict[str, JsonValue] = {"enum": list[JsonValue](sorted(VERSIONS))}
PROFILE_ENUM: dict[str, JsonValue] = {"enum": list[JsonValue](sorted(PROFILES))}
# Weights: a component of some version (which ones depend on the RFO's version: a world-dependent 400 that
# schemathesis.toml names) to a weight in [0, 1000] (``intentbid.domain.scoring.normalise_weights``).
WEIGHTS_SCHEMA: dict[str, JsonValue] = {
    "propertyNames": {"enum": list[JsonValue](sorted({c for v in VERSIONS.values() for c in v.components}))},
    "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1000},
}


class RfoCreate(StrictModel):
    title: Text = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    category: str = Field(pattern=SLUG, description="Lower-case slug, e.g. 'office-supplies'")
    quantity: Integer = Field(ge=1, le=1_000_000_000)
    unit: Text = Field(min_length=1, max_length=32)
    budget_max: Integer = Field(
        ge=1, le=MAX_AMOUNT, description="The most the buyer pays for the whole quantity, in minor units of `currency`"
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$", json_schema_extra={"enum": list[JsonValue](sorted(CURRENCIES))})
    delivery_region: Text = Field(min_length=1, max_length=64)
    need_by: InTimestamp
    expires_at: InTimestamp = Field(description="Bidding deadline; must be in the future")
    weights: dict[str, float] | None = Field(
        None, description="Component weights, normalised to sum 1", json_schema_extra=WEIGHTS_SCHEMA
    )
    scoring_version: str | None = Field(
        None,
        min_length=1,
        max_length=16,
        description="Default: the latest released version",
        json_schema_extra=VERSION_ENUM,
    )
    profile: str | None = Field(
        None,
        max_length=32,
        json_schema_extra=PROFILE_ENUM,
        description="Named weights (cheapest, fastest, balanced, "
        "reliable) when `weights` is absent; default: the category's profile",
    )
    disclosure: Disclosure = "sealed"

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, v: str) -> str:
        if v not in CURRENCIES:
            allowed = sorted(CURRENCIES)
            raise PydanticCustomError(
                "invalid_choice", f"must be a supported currency: one of {', '.join(allowed)}", {"allowed": allowed}
            )
        return v


class Rfo(Out):
    id: str
    object: Literal["rfo"] = "rfo"
    buyer_id: str | None = Field(None, description="Hidden from vendors")
    status: Status
    status_reason: str | None = None
    title: str
    description: str | None = None
    category: str
    quantity: int
    unit: str
    budget_max: int
    currency: str
    delivery_region: str
    need_by: Timestamp
    expires_at: Timestamp
    scoring_version: str
    weights: dict[str, str] = Field(description="Normalised weights as fixed-point decimal strings")
    disclosure: Disclosure
    ranking_status: Literal["current", "recomputing"] = Field(
        "current",
        description="`recomputing` while a weights change is applied to the offers' stored scores in the "
        "background (the ranking is still correct meanwhile: computed in full under the new weights)",
    )
    livemode: bool
    awarded_offer_id: str | None = None
    allowed_actions: list[str] = Field(
        default_factory=list, description="Lifecycle actions the buyer may take now (from the transition table)"
    )
    created_at: Timestamp
    updated_at: Timestamp


class Reason(StrictModel):
    reason: str | None = Field(None, max_length=500, description="Why; stored in the audit trail")


class Award(StrictModel):
    offer_id: Text = Field(min_length=1, max_length=64, description="The offer to award (`off_…`)")
    offer_revision: Integer | None = Field(
        None,
        ge=1,
        le=1_000_000,
        description="The offer's `revision` the buyer decided on (from the ranking or the offer): if the offer "
        "was revised since, the award is refused with 409 `offer_changed`. Or send `If-Match` with the offer's "
        "ETag. Without either the current revision is awarded; clients should pin.",
    )
    reason: str | None = Field(None, max_length=500)


class Reopen(StrictModel):
    expires_at: InTimestamp = Field(description="The new bidding deadline (future, not after need_by)")
    reason: str | None = Field(None, max_length=500)


class RfoPage(Out):
    object: Literal["list"] = "list"
    data: list[Rfo]
    next_cursor: str | None = None


class RfoListQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=2048)
    status: Status | None = Field(None, description="Buyers: filter by status (vendors always see OPEN)")
    category: str | None = Field(None, pattern=SLUG)
    delivery_region: str | None = Field(None, max_length=64)


class PublicTokenCreate(StrictModel):
    show_prices: bool = Field(False, description="Show the budget and the lowest offered unit price")


class PublicToken(Out):
    object: Literal["public_token"] = "public_token"
    token: str = Field(description="Shown once; only its hash is stored. Creating a new one revokes the old.")
    url: str


class PublicRfo(Out):
    """What anyone with the link sees: no buyer, no vendors, no prices unless the buyer allowed them."""

    object: Literal["public_rfo"] = "public_rfo"
    title: str
    description: str | None = None
    category: str
    quantity: int
    unit: str
    delivery_region: str
    need_by: Timestamp
    expires_at: Timestamp
    status: Status
    offer_count: int
    currency: str | None = None
    budget_max: int | None = None
    lowest_unit_price: int | None = None
