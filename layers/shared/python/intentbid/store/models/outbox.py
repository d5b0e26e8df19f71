from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from intentbid.store.base import BaseModel


class OutboxModel(BaseModel):
    """An event written in the same transaction as the change it describes. The table's stream feeds the
    dispatcher; ``expire_at`` (TTL) removes dispatched events after a retention period."""

    logical_name = "outbox"
    stream_view = "NEW_IMAGE"
    ttl_attribute = "expire_at"

    class Meta:
        table_name = ""

    id = UnicodeAttribute(hash_key=True)  # evt_…
    type = UnicodeAttribute()
    environment = UnicodeAttribute()
    subject_id = UnicodeAttribute()
    payload = UnicodeAttribute()  # JSON of the event's data
    created_at = UTCDateTimeAttribute()
    expire_at = NumberAttribute()
    correlation_id = UnicodeAttribute(null=True)  # of the request that caused it (webhooks: x-correlation-id)
