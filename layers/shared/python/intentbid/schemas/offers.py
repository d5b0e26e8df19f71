from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from intentbid.domain.money import MAX_AMOUNT
from intentbid.schemas.common import Integer, InTimestamp, Out, StrictModel, Timestamp

OfferStatus = Literal["active", "withdrawn", "won", "lost"]
DELIVERY_FIELDS = ["delivery_date", "eta_days"]


class OfferCreate(StrictModel):
    unit_price: Integer = Field(ge=1, le=MAX_AMOUNT, description="Minor units of `currency`")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    quantity_available: Integer = Field(ge=1, le=1_000_000_000)
    delivery_date: InTimestamp | None = Field(None, description="Give this or eta_days")
    eta_days: Integer | None = Field(None, ge=0, le=3650, description="Days from now; give this or delivery_date")
    availability_confirmed: bool = Field(description="Must be true: the vendor confirms it can deliver")
    valid_until: InTimestamp
    notes: str | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _one_delivery(self) -> OfferCreate:
        if (self.delivery_date is None) == (self.eta_days is None):
            sent = "neither was sent" if self.delivery_date is None else "both were sent"
            raise PydanticCustomError(
                "exactly_one_of",
                f"Give exactly one of delivery_date (a date-time) or eta_days (days from now); {sent}.",
                {"fields": DELIVERY_FIELDS},
            )
        return self


class OfferRevise(StrictModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, str_strip_whitespace=True, json_schema_extra={"minProperties": 1}
    )

    unit_price: Integer | None = Field(None, ge=1, le=MAX_AMOUNT)
    quantity_available: Integer | None = Field(None, ge=1, le=1_000_000_000)
    delivery_date: InTimestamp | None = None
    eta_days: Integer | None = Field(None, ge=0, le=3650)
    valid_until: InTimestamp | None = None
    notes: str | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _something(self) -> OfferRevise:
        if not self.model_fields_set:
            names = list(OfferRevise.model_fields)
            raise PydanticCustomError(
                "at_least_one_of",
                f"Nothing to revise: give at least one of {', '.join(names)}.",
                {"any_of": names},
            )
        if self.delivery_date is not None and self.eta_days is not None:
            raise PydanticCustomError(
                "conflicting_fields",
                "Give delivery_date or eta_days, not both.",
                {"fields": DELIVERY_FIELDS},
            )
        return self


class Offer(Out):
    id: str
    object: Literal["offer"] = "offer"
    rfo_id: str
    vendor_id: str
    status: OfferStatus
    unit_price: int
    currency: str
    quantity_available: int
    total_price: int = Field(description="unit_price x min(quantity_available, the RFO's quantity)")
    delivery_date: Timestamp
    availability_confirmed: bool
    valid_until: Timestamp
    notes: str | None = None
    revision: int
    rank: int | None = Field(
        None,
        description="Own rank: for the vendor when the RFO discloses `own_rank`, and "
        "for the buyer; null otherwise, and `rank_hidden_reason` says why",
    )
    rank_hidden_reason: Literal["sealed", "not_ranked"] | None = Field(
        None,
        description="Why `rank` is null (null when it is given): `sealed` - the RFO's disclosure is `sealed`, "
        "so only its buyer sees ranks; `not_ranked` - the offer is not active (withdrawn, won or lost), so it "
        "has no standing",
    )
    livemode: bool
    submitted_at: Timestamp
    updated_at: Timestamp


class OfferPage(Out):
    object: Literal["list"] = "list"
    data: list[Offer]
    next_cursor: str | None = None
