from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from intentbid.store.base import BaseModel


class AccountModel(BaseModel):
    """A vendor, buyer or admin account (``ven_`` / ``buy_`` / ``adm_``)."""

    logical_name = "accounts"

    class Meta:
        table_name = ""

    id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="active")
    created_at = UTCDateTimeAttribute()
