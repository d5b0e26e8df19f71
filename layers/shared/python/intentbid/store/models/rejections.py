from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from intentbid.store.base import BaseModel


class ByDayIndex(GlobalSecondaryIndex["RejectionModel"]):
    class Meta:
        index_name = "by_day"
        projection = AllProjection()

    day = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


def partition(vendor_id: str, environment: str) -> str:
    return f"{vendor_id}#{environment}"


class RejectionModel(BaseModel):
    """A rejected submission or revision: what the vendor sent was refused, with the code and reason it got.
    Partitioned per (vendor, environment): a sandbox key lists only sandbox rejections, a live key live ones."""

    logical_name = "rejections"

    class Meta:
        table_name = ""

    vendor_env = UnicodeAttribute(hash_key=True)  # <vendor_id>#<environment>
    id = UnicodeAttribute(range_key=True)  # rej_… (time-ordered)
    vendor_id = UnicodeAttribute()
    rfo_id = UnicodeAttribute(null=True)
    offer_id = UnicodeAttribute(null=True)
    action = UnicodeAttribute()  # submit | revise
    code = UnicodeAttribute()
    status = UnicodeAttribute()
    reason = UnicodeAttribute()
    errors = UnicodeAttribute(default="[]")  # JSON list of {field, code, message}
    environment = UnicodeAttribute()
    day = UnicodeAttribute()
    at = UTCDateTimeAttribute()

    by_day = ByDayIndex()
