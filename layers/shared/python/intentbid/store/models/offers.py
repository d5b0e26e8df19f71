from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from intentbid.store.base import BaseModel


class ByIdIndex(GlobalSecondaryIndex["OfferModel"]):
    class Meta:
        index_name = "by_id"
        projection = AllProjection()

    id = UnicodeAttribute(hash_key=True)


class ByVendorIndex(GlobalSecondaryIndex["OfferModel"]):
    class Meta:
        index_name = "by_vendor"
        projection = AllProjection()

    vendor_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


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

    by_id = ByIdIndex()
    by_vendor = ByVendorIndex()
