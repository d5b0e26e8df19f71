from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from intentbid.store.base import BaseModel


class EmailModel(BaseModel):
    """One notification email: an event to one account (``id`` = ``<event id>:<account id>``), the email worker's
    idempotency record. ``sending`` with a lease while SES is called, then ``sent`` with SES's message id; a
    redelivered message finds ``sent`` (or a live lease) and sends nothing. Never the body: subject and address
    only (no secret is ever in either). Kept 30 days (TTL)."""

    logical_name = "emails"
    ttl_attribute = "expire_at"

    stack = "realtime"  # deployed in the channels nested stack (intentbid.workers.REALTIME_STACK)

    class Meta:
        table_name = ""

    id = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    to = UnicodeAttribute()
    subject = UnicodeAttribute()
    status = UnicodeAttribute()  # sending | sent
    lease_until = NumberAttribute(default=0)  # epoch s: a crashed sender's claim lapses then
    ses_message_id = UnicodeAttribute(null=True)
    correlation_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    sent_at = UTCDateTimeAttribute(null=True)
    expire_at = NumberAttribute()
