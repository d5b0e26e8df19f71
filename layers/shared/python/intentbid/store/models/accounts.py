from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

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

    # Anti-gaming state (intentbid.domain.cooldown): automatic strikes and ops' manual cooldowns.
    strikes = NumberAttribute(default=0)
    last_strike_at = UTCDateTimeAttribute(null=True)
    cooldown_until = UTCDateTimeAttribute(null=True)
    cooldown_reason = UnicodeAttribute(null=True)
    recent_violations = ListAttribute(of=NumberAttribute, default=list)  # type: ignore[var-annotated]  # epoch s
