from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from intentbid.store.base import BaseModel


class RateLimitModel(BaseModel):
    """One counter per (subject, window): ``key:<key_id>:<window_start>`` or ``ip:<ip>:<policy>:<window>``.
    Expires by TTL shortly after its window."""

    logical_name = "rate-limits"
    ttl_attribute = "expire_at"

    class Meta:
        table_name = ""

    bucket = UnicodeAttribute(hash_key=True)
    n = NumberAttribute(default=0)
    expire_at = NumberAttribute()
