from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, LocalSecondaryIndex

from intentbid.store.base import BaseModel


class ByVendorIndex(GlobalSecondaryIndex["OfferModel"]):
    class Meta:
        index_name = "by_vendor"
        projection = AllProjection()

    vendor_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class ByRankIndex(LocalSecondaryIndex["OfferModel"]):
    """An RFO's ranked offers in ranking order (``rank_key``, see :func:`intentbid.domain.scoring.rank_key`):
    sparse (a withdrawn offer, or one without a stored score, has no ``rank_key``), strongly consistent."""

    class Meta:
        index_name = "by_rank"
        projection = AllProjection()

    rfo_id = UnicodeAttribute(hash_key=True)
    rank_key = UnicodeAttribute(range_key=True)


class OfferModel(BaseModel):
    """An offer, stored under its RFO so a ranking is one strongly consistent, paginated Query."""

    logical_name = "offers"

    class Meta:
        table_name = ""

    rfo_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    vendor_id = UnicodeAttribute()
    environment = UnicodeAttribute()
    status = UnicodeAttribute(default="active")  # active | withdrawn | won | lost
    unit_price = NumberAttribute()
    currency = UnicodeAttribute()
    quantity_available = NumberAttribute()
    delivery_date = UTCDateTimeAttribute()
    availability_confirmed = BooleanAttribute()
    valid_until = UTCDateTimeAttribute()
    notes = UnicodeAttribute(null=True)
    revision = NumberAttribute(default=1)
    submitted_at = UTCDateTimeAttribute()  # first submission: a tie-breaker, never changes
    updated_at = UTCDateTimeAttribute()
    # The stored score (offer-independent versions), written with the offer under the RFO's weights_generation:
    # the score (6-place string), {components, contributions, penalties} as JSON, the generation and the key
    # the by_rank index sorts on. All absent: an offer from before stored scores (ranked by full computation).
    score = UnicodeAttribute(null=True)
    score_detail = UnicodeAttribute(null=True)
    score_generation = NumberAttribute(null=True)
    rank_key = UnicodeAttribute(null=True)
    vendor_name = UnicodeAttribute(null=True)  # the vendor's name, for the ranking page (stamped after submit)

    by_vendor = ByVendorIndex()  # (no by_id index: the pointer finds an offer by id, consistently, for less)
    by_rank = ByRankIndex()


POINTER_PREFIX = "offer#"


class OfferPointerModel(BaseModel):
    """Where an offer lives, by its id alone: an item of the offers table under the reserved partition
    ``offer#<offer id>`` (never an RFO id, so no RFO's Query sees it), written in the offer's creation
    transaction and read with a strongly consistent GetItem (an index by id would be eventually consistent in
    AWS, and it cost a write unit per offer write and per pointer: it is gone, README "Cost per million";
    the data migration ``migrations/m0001_offer_pointers.py`` writes the pointers of offers older than them). Without
    ``vendor_id`` the pointer stays out of the by_vendor index."""

    logical_name = "offers"
    shares_table = True  # a second view of the offers table: no table of its own

    class Meta:
        table_name = ""

    key = UnicodeAttribute(hash_key=True, attr_name="rfo_id")  # offer#<offer id>
    sort = UnicodeAttribute(range_key=True, attr_name="id")  # offer#<offer id>
    offer_rfo_id = UnicodeAttribute()
    backfilled_by = NumberAttribute(null=True)  # the migration that wrote it (none: written with the offer)

    @classmethod
    def for_offer(cls, offer_id: str, rfo_id: str) -> OfferPointerModel:
        key = POINTER_PREFIX + offer_id
        return cls(key, key, offer_rfo_id=rfo_id)
