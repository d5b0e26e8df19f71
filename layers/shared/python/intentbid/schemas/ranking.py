from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from intentbid.schemas.antigaming import FlagOut
from intentbid.schemas.common import Out, StrictModel, Timestamp
from intentbid.schemas.rfos import PROFILE_ENUM, VERSION_ENUM, WEIGHTS_SCHEMA

NotAwardableReason = Literal["offer_won", "offer_lost", "offer_expired", "rfo_expired"]
RankingStatus = Literal["current", "recomputing"]
RANKING_STATUS_DOC = (
    "`current`: the ranking is read from the offers' stored scores; `recomputing`: a weights change is being "
    "applied to them in the background, and the ranking is computed in full under the new weights meanwhile "
    "(never a mix of old and new)"
)


class RankingQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    limit: int | None = Field(
        None,
        ge=1,
        le=100,
        description="Page size, 1-100: one page of the score-ordered index (cost independent of the number of "
        "offers). Without it, every offer (computed in full)",
    )
    cursor: str | None = Field(None, max_length=2048, description="Opaque cursor from a previous page")


class RankingRow(Out):
    rank: int
    offer_id: str
    vendor_id: str
    vendor_name: str | None = Field(None, description="The vendor's name (as registered); null if it is gone")
    score: str = Field(
        description="Fixed-point decimal string (6 places) within the version's bounds, "
        "e.g. '0.735000'; v1: [0, 1], v2: [-1, 1] (penalties can make it negative)"
    )
    components: dict[str, str]
    penalties: dict[str, str]
    unit_price: int
    total_price: int
    delivery_date: Timestamp
    valid_until: Timestamp
    revision: int = Field(
        description="The offer's revision this row shows: award with `offer_revision` = this (or `If-Match` "
        "with the offer's ETag) to get 409 `offer_changed` if the vendor revises it meanwhile"
    )
    awardable: bool = Field(
        description="Whether awarding this offer can succeed now; offers that cannot follow every offer that can"
    )
    not_awardable_reason: NotAwardableReason | None = Field(
        None, description="Why not: offer_expired (valid_until passed), offer_won, offer_lost, rfo_expired"
    )


class Ranking(Out):
    object: Literal["ranking"] = "ranking"
    rfo_id: str
    scoring_version: str
    weights: dict[str, str]
    ranking_status: RankingStatus = Field("current", description=RANKING_STATUS_DOC)
    data: list[RankingRow] = Field(
        description="Awardable offers first, then those that can no longer be awarded; each group by score "
        "(the version's total order)"
    )
    next_cursor: str | None = Field(None, description="The next page's cursor (with `limit`); null: the last page")


class Explain(Out):
    """Per offer: raw inputs, normalised components, weights, contributions, the penalties applied and tie-break
    key, such that sum(contributions) - sum(penalties) == score exactly; plus the version's formula, its penalty
    caps and the RFO's flags."""

    object: Literal["ranking_explain"] = "ranking_explain"
    rfo_id: str
    scoring_version: str
    relative: bool
    formula: str
    components: list[str]
    penalty_caps: dict[str, str] = Field(
        description="The version's cap (maximum) of each penalty, not what was applied: each offer's applied "
        "penalties are its own `penalties` in `data`"
    )
    penalties: dict[str, str] = Field(
        deprecated=True,
        description="Deprecated alias of `penalty_caps` (the caps, NOT the penalties applied; those are per offer "
        "in `data[].penalties`); kept for older clients",
    )
    bounds: list[str]
    weights: dict[str, str]
    order: list[str]
    awardability: str = Field(description="How awardability orders the offers on top of `order`")
    data: list[dict[str, Any]] = Field(
        description="Per offer, in ranking order: as the version explains it, plus `revision`, `awardable`, "
        "`not_awardable_reason` (code or null) and `not_awardable_detail` (why, in words)"
    )
    flags: list[FlagOut] = Field(default_factory=list, description="Suspicious-activity flags on this RFO")
    ranking_status: RankingStatus = Field("current", description=RANKING_STATUS_DOC)
    next_cursor: str | None = Field(
        None, description="With `limit`: the next page's cursor (the same pages as the ranking's); null: the last"
    )


class WeightsUpdate(StrictModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        str_strip_whitespace=True,
        json_schema_extra={  # weights or a profile, not both; and something to change (else 400)
            "not": {
                "required": ["weights", "profile"],
                "properties": {"weights": {"type": "object"}, "profile": {"type": "string"}},
            },
            "anyOf": [
                {"required": [name], "properties": {name: {"type": kind}}}
                for name, kind in (("weights", "object"), ("profile", "string"), ("scoring_version", "string"))
            ],
        },
    )

    weights: dict[str, float] | None = Field(
        None, description="Component weights (normalised to sum 1)", json_schema_extra=WEIGHTS_SCHEMA
    )
    profile: str | None = Field(
        None, max_length=32, description="Or a named profile: cheapest, fastest, ...", json_schema_extra=PROFILE_ENUM
    )
    scoring_version: str | None = Field(None, min_length=1, max_length=16, json_schema_extra=VERSION_ENUM)


class VersionInfo(Out):
    version: str
    components: list[str]
    penalty_caps: dict[str, str] = Field(
        description="The version's cap (maximum) of each penalty, not what was applied: an offer's applied penalties "
        "are in its ranking row and explain entry"
    )
    penalties: dict[str, str] = Field(
        deprecated=True,
        description="Deprecated alias of `penalty_caps` (the caps, NOT penalties applied); kept for older clients",
    )
    default_weights: dict[str, str]
    bounds: list[str]
    relative: bool
    formula: str


class ProfileInfo(Out):
    name: str
    description: str
    weights: dict[str, dict[str, str]]


class ScoringCatalog(Out):
    object: Literal["scoring_catalog"] = "scoring_catalog"
    default_version: str
    versions: list[VersionInfo]
    profiles: list[ProfileInfo]
    category_profiles: dict[str, str]
