from __future__ import annotations

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from intentbid.store.base import BaseModel

ENVIRONMENTS = ("live", "test")


class AntiGamingState(MapAttribute[str, object]):
    """A vendor's anti-gaming state in one environment (intentbid.domain.cooldown): automatic strikes, the
    cooldown (automatic or ops'), the bounded windows of recent violations and rejections, and how many
    ``vendor_cooldown`` refusals the current cooldown has seen (only its first is logged). Every field is
    bounded: the lists hold at most their policy's threshold. ``version`` makes each write conditional on the
    state it was computed from (read-modify-write under concurrency)."""

    version = NumberAttribute(default=0)
    strikes = NumberAttribute(default=0)
    last_strike_at = UTCDateTimeAttribute(null=True)
    cooldown_until = UTCDateTimeAttribute(null=True)
    cooldown_reason = UnicodeAttribute(null=True)
    recent_violations = ListAttribute(of=NumberAttribute, default=list)  # type: ignore[var-annotated]  # epoch s
    # the repeated_rejections window: "<epoch ms> <code> <rfo_id or ->" (compact: read on every rejection)
    recent_rejections = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[var-annotated]
    cooldown_refusals = NumberAttribute(default=0)
    cooldown_logged_until = UTCDateTimeAttribute(null=True)  # the cooldown whose first refusal is logged


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
    # Notification email (API.md "Email"): unset = the defaults (the registration email; intentbid.domain.email)
    notify_email = UnicodeAttribute(null=True)
    email_events = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[var-annotated]
    updated_at = UTCDateTimeAttribute(null=True)

    # Anti-gaming state per environment: sandbox mistakes never cool down the live vendor, and vice versa.
    antigaming_live = AntiGamingState(null=True)
    antigaming_test = AntiGamingState(null=True)


def antigaming_attr(environment: str) -> AntiGamingState:
    """The (class-level) attribute holding the vendor's state in ``environment`` (for conditions/updates)."""
    if environment not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {environment!r}")
    return AccountModel.antigaming_test if environment == "test" else AccountModel.antigaming_live


def antigaming_of(account: AccountModel, environment: str) -> AntiGamingState | None:
    """The vendor's stored state in ``environment`` (None: never written)."""
    return account.antigaming_test if environment == "test" else account.antigaming_live
