from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from intentbid.store.base import BaseModel


class ByListKeyIndex(GlobalSecondaryIndex["RfoModel"]):
    """Open RFOs per environment, newest first: partition ``<environment>#<status>``."""

    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    list_key = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class ByBuyerIndex(GlobalSecondaryIndex["RfoModel"]):
    class Meta:
        index_name = "by_buyer"
        projection = AllProjection()

    buyer_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class ByPublicTokenIndex(GlobalSecondaryIndex["RfoModel"]):
    """The public read-only view finds an RFO by the SHA-256 of its share token (the token is never stored)."""

    class Meta:
        index_name = "by_public_token"
        projection = AllProjection()

    public_token_hash = UnicodeAttribute(hash_key=True)


class RfoModel(BaseModel):
    """A request for offers. ``version`` guards every write (optimistic concurrency)."""

    logical_name = "rfos"

    class Meta:
        table_name = ""

    id = UnicodeAttribute(hash_key=True)
    buyer_id = UnicodeAttribute()
    environment = UnicodeAttribute()
    status = UnicodeAttribute()  # OPEN | CLOSED | AWARDED | EXPIRED
    list_key = UnicodeAttribute()
    status_reason = UnicodeAttribute(null=True)
    title = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    category = UnicodeAttribute()
    quantity = NumberAttribute()
    unit = UnicodeAttribute()
    budget_max = NumberAttribute()
    currency = UnicodeAttribute()
    delivery_region = UnicodeAttribute()
    need_by = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute()
    scoring_version = UnicodeAttribute()
    weights = MapAttribute()  # type: ignore[var-annotated]
    disclosure = UnicodeAttribute(default="sealed")
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    deleted_at = UTCDateTimeAttribute(null=True)
    awarded_offer_id = UnicodeAttribute(null=True)
    deadline_version = NumberAttribute(default=1)  # +1 on reopen: names the expiry execution
    public_token_hash = UnicodeAttribute(null=True)
    public_show_prices = BooleanAttribute(null=True)
    # Stored scores: +1 on every weights change; offers' scores are written under it. None: an RFO from before
    # stored scores (ranked by full computation until a recompute migrates it).
    weights_generation = NumberAttribute(null=True)
    ranking_status = UnicodeAttribute(null=True)  # current | recomputing (None: as current, full computation)
    version = VersionAttribute()

    by_status = ByListKeyIndex()
    by_buyer = ByBuyerIndex()
    by_public_token = ByPublicTokenIndex()
