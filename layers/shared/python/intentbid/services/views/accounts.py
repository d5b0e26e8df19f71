"""Accounts and API keys as their owners see them (never a secret: a key shows its prefix and last four)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from intentbid.domain import clock, email
from intentbid.schemas.accounts import Account, KeyInfo
from intentbid.store.port import Account as AccountRecord
from intentbid.store.port import ApiKey


def account_view(a: AccountRecord) -> Account:
    return Account(
        id=a.id,
        object=a.kind,
        name=a.name,
        email=a.email,
        status=a.status,  # type: ignore[arg-type]
        created_at=a.created_at,
        **notifications(a),
    )


def notifications(a: AccountRecord) -> dict[str, Any]:
    """``notify_email`` and ``email_events`` as they apply (unset: the defaults of intentbid.domain.email)."""
    if a.kind not in email.DEFAULT_EVENTS:
        return {"notify_email": None, "email_events": []}
    chosen = getattr(a, "email_events", None)
    return {
        "notify_email": getattr(a, "notify_email", None) or a.email,
        "email_events": list(chosen) if chosen is not None else email.defaults(a.kind),
    }


def key_view(k: ApiKey, now: datetime | None = None) -> KeyInfo:
    now = now or clock.now()
    status = k.status
    if status == "active" and k.expires_at is not None and k.expires_at <= now:
        status = "expired"
    return KeyInfo(
        id=k.key_id,
        key_id=k.key_id,
        name=k.name,
        prefix=k.prefix,
        last4=k.last4,
        status=status,
        scopes=list(k.scopes),
        ip_allowlist=list(k.ip_allowlist or []),  # type: ignore[arg-type]
        environment=k.environment,
        created_at=k.created_at,  # type: ignore[arg-type]
        last_used_at=k.last_used_at,
        expires_at=k.expires_at,
        revoked_at=k.revoked_at,
        successor_key_id=k.successor_key_id,
    )
