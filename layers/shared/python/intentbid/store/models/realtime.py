from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from intentbid.store.base import BaseModel


class ByOwnerIndex(GlobalSecondaryIndex["ConnectionModel"]):
    """The open connections of one account in one environment (``live#ven_…``): an event for that account."""

    class Meta:
        index_name = "by_owner"
        projection = KeysOnlyProjection()

    owner_key = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class ByAudienceIndex(GlobalSecondaryIndex["ConnectionModel"]):
    """The open connections of every account of one kind in one environment (``live#vendor``): an event every
    vendor receives (``rfo.created``)."""

    class Meta:
        index_name = "by_audience"
        projection = KeysOnlyProjection()

    audience = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class ConnectionModel(BaseModel):
    """One open WebSocket (``id`` = API Gateway's connection id), bound at ``$connect`` to the principal its
    ticket was issued to. Found by the push worker through its owner's partition or its audience's (the two
    keys-only indexes), never by a scan; removed at ``$disconnect``, by a push that finds it gone, or by TTL.

    The table also holds the tickets (:class:`TicketModel`, ids ``tkt#…``): they carry neither index key, so no
    index sees them."""

    logical_name = "realtime"
    ttl_attribute = "expire_at"
    stack = "realtime"  # deployed in the realtime nested stack (intentbid.workers.REALTIME_STACK)

    class Meta:
        table_name = ""

    id = UnicodeAttribute(hash_key=True)
    owner_kind = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    environment = UnicodeAttribute()
    owner_key = UnicodeAttribute()  # <environment>#<owner_id> (by_owner)
    audience = UnicodeAttribute()  # <environment>#<owner_kind> (by_audience)
    connected_at = UTCDateTimeAttribute()
    expire_at = NumberAttribute()

    by_owner = ByOwnerIndex()
    by_audience = ByAudienceIndex()


class TicketModel(BaseModel):
    """A one-time realtime ticket, stored only as its SHA-256 (``tkt#<hex>``) with the principal it binds.
    ``expires_at`` is the hard limit (TTL deletion may lag by hours); ``expire_at`` lets TTL clean up."""

    logical_name = "realtime"
    shares_table = True

    class Meta:
        table_name = ""

    id = UnicodeAttribute(hash_key=True)
    owner_kind = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    environment = UnicodeAttribute()
    key_id = UnicodeAttribute()
    expires_at = NumberAttribute()  # epoch seconds
    expire_at = NumberAttribute()
