from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from intentbid.store.base import BaseModel


class ByDayIndex(GlobalSecondaryIndex["FlagModel"]):
    class Meta:
        index_name = "by_day"
        projection = AllProjection()

    day = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class ByRfoIndex(GlobalSecondaryIndex["FlagModel"]):
    class Meta:
        index_name = "by_rfo"
        projection = AllProjection()

    rfo_id = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)


class ByVendorIndex(GlobalSecondaryIndex["FlagModel"]):
    class Meta:
        index_name = "by_vendor"
        projection = AllProjection()

    vendor_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class FlagModel(BaseModel):
    """A suspicious-activity flag (intentbid.domain.flags): never changes a score; ops and the buyer's explain
    see it. One item per (code, RFO, vendor): re-detection does not duplicate it."""

    logical_name = "flags"

    class Meta:
        table_name = ""

    key = UnicodeAttribute(hash_key=True)  # code#rfo#vendor
    id = UnicodeAttribute()  # flg_…
    code = UnicodeAttribute()
    vendor_id = UnicodeAttribute()
    rfo_id = UnicodeAttribute(default="-")
    reason = UnicodeAttribute()
    evidence = UnicodeAttribute(default="{}")  # JSON
    environment = UnicodeAttribute()
    day = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()

    by_day = ByDayIndex()
    by_rfo = ByRfoIndex()
    by_vendor = ByVendorIndex()
