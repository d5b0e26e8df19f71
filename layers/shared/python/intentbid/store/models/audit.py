from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from intentbid.store.base import BaseModel


class ByActorIndex(GlobalSecondaryIndex["AuditModel"]):
    class Meta:
        index_name = "by_actor"
        projection = AllProjection()

    actor_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class ByDayIndex(GlobalSecondaryIndex["AuditModel"]):
    """Ops' recent activity without a filter: one partition per UTC day."""

    class Meta:
        index_name = "by_day"
        projection = AllProjection()

    day = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class AuditModel(BaseModel):
    """An append-only audit entry. Written only with ``attribute_not_exists`` inside the change's
    transaction; no code path updates or deletes one, and IAM grants only PutItem on this table."""

    logical_name = "audit"

    class Meta:
        table_name = ""

    target_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)  # aud_… (time-ordered)
    target_type = UnicodeAttribute()
    action = UnicodeAttribute()
    actor_kind = UnicodeAttribute()  # vendor | buyer | admin | system
    actor_id = UnicodeAttribute()
    key_id = UnicodeAttribute(null=True)
    from_status = UnicodeAttribute(null=True)
    to_status = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    payload = UnicodeAttribute(default="{}")  # JSON, redacted
    request_id = UnicodeAttribute(null=True)
    source_ip = UnicodeAttribute(null=True)
    environment = UnicodeAttribute()
    day = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()

    by_actor = ByActorIndex()
    by_day = ByDayIndex()
