from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from intentbid.store.base import BaseModel


class EventLogModel(BaseModel):
    """One catalog event as one audience reads it through ``GET /v1/events``: the envelope its webhooks carry.

    ``partition``: ``own#<environment>#<owner_id>`` (an account's own events) or ``aud#<environment>#<kind>``
    (an event for every account of a kind, e.g. ``rfo.created`` to every vendor: stored once, not per vendor).
    ``sk``: the event time in milliseconds, zero-padded, then the event id - newest first is a descending Query,
    ``since`` a key bound, and (partition, event) one item, so a redelivered stream record writes nothing new.
    Kept 30 days (``expire_at``, TTL)."""

    logical_name = "events"
    ttl_attribute = "expire_at"

    class Meta:
        table_name = ""

    partition = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # 000001764772800000#evt_…
    event_id = UnicodeAttribute()
    type = UnicodeAttribute()
    body = UnicodeAttribute()  # the envelope (JSON), the same bytes as the recipient's webhook deliveries
    expire_at = NumberAttribute()
