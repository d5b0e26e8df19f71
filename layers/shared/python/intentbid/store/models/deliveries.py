from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from intentbid.store.base import BaseModel


class DeliveryModel(BaseModel):
    """One event's delivery to one endpoint (``dlv_…``, derived from the pair: a re-dispatched event lands on
    the same item), under its endpoint: the owner's reads name the endpoint, so a Query serves them. Every
    attempt is kept (status code, latency, the first KB of the answer, the error class - never a secret or a
    header), with the body that was signed so a retry or a recovery sends the same bytes."""

    logical_name = "deliveries"
    ttl_attribute = "expire_at"

    class Meta:
        table_name = ""

    webhook_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)  # dlv_…
    owner_id = UnicodeAttribute()
    environment = UnicodeAttribute()
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    event_created_at = UTCDateTimeAttribute()
    body = UnicodeAttribute()  # the envelope as sent (JSON)
    correlation_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # pending | succeeded | failed | dead
    attempt_count = NumberAttribute(default=0)
    attempts = ListAttribute(null=True)  # type: ignore[var-annotated]  # [{attempt, at, outcome, ...}]
    next_attempt_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute()
    expire_at = NumberAttribute()
