from __future__ import annotations

import json
from typing import Any

from intentbid import observability as obs
from intentbid.domain import clock, email, ids
from intentbid.domain.errors import FieldError, NotFound, ServiceUnavailable, ValidationFailed
from intentbid.domain.principal import ACCOUNT_PREFIX, KIND_SCOPES, Principal
from intentbid.schemas.accounts import (
    Account,
    AccountPatch,
    BuyerRegistration,
    Me,
    RegisterRequest,
    VendorRegistration,
)
from intentbid.services import retry_on_conflict
from intentbid.services.views.accounts import account_view, key_view, notifications
from intentbid.store import accounts as store
from intentbid.store import api_keys as key_store
from intentbid.store.api_keys import new_key
from intentbid.store.port import Account as AccountRecord
from intentbid.store.port import Actor, ApiKey, Change, ConditionFailed, Target, TransactionConflict


def _create(
    kind: str,
    name: str,
    email: str | None,
    environment: str,
    request_id: str | None = None,
    source_ip: str | None = None,
) -> tuple[AccountRecord, ApiKey, str]:
    now = clock.now()
    account_id = ids.new_id(ACCOUNT_PREFIX[kind])
    key, secret = new_key(
        owner_id=account_id,
        owner_kind=kind,
        name="default",
        scopes=sorted(KIND_SCOPES[kind]),
        environment=environment,
        now=now,
    )
    # The audit entry is the account's registration; the event announces its first key.
    change = Change(
        Actor(kind, account_id, key.key_id, request_id, source_ip),
        Target(kind, account_id, environment),
        "register",
        "key.created",
        {"key_id": key.key_id, "name": name},
        now,
        event_data={"owner_id": account_id, "owner_kind": kind, "key_id": key.key_id},
        event_subject=key.key_id,  # as every key.created: the key is the event's subject
    )
    account = store.create_with_key(
        {"id": account_id, "kind": kind, "name": name, "email": email, "status": "active", "created_at": now},
        key,
        change,
    )
    obs.logger.info("account registered", extra={"account_id": account.id, "kind": kind, "key_id": key.key_id})
    obs.count("AccountsRegistered")
    return account, key, secret


def register(
    kind: str, req: RegisterRequest, *, request_id: str | None = None, source_ip: str | None = None
) -> VendorRegistration | BuyerRegistration:
    """Create a vendor or buyer with its first key (all scopes of its kind). The secret is returned once."""
    account, key, secret = _create(
        kind, req.name, req.email.lower(), "test" if req.sandbox else "live", request_id, source_ip
    )
    if kind == "vendor":
        return VendorRegistration(vendor=account_view(account), api_key=secret, key=key_view(key))
    return BuyerRegistration(buyer=account_view(account), api_key=secret, key=key_view(key))


REISSUE_ATTEMPTS = 8  # concurrent replays of one registration: each loss is another replay's win


def reissue_on_replay(kind: str) -> Any:
    """The replay hook of ``POST /v1/{kind}s/register`` (``api_handler(on_replay=...)``): see :func:`reissue`."""

    def hook(produced: tuple[int, dict[str, str], str], *, request_id: str | None, source_ip: str | None) -> Any:
        status, headers, body = produced
        fresh = reissue(kind, json.loads(body), request_id=request_id, source_ip=source_ip)
        return produced if fresh is None else (status, headers, json.dumps(fresh, ensure_ascii=False))

    return hook


@retry_on_conflict(REISSUE_ATTEMPTS)
def reissue(
    kind: str, stored: dict[str, Any], *, request_id: str | None = None, source_ip: str | None = None
) -> dict[str, Any] | None:
    """A replayed registration (same source IP, Idempotency-Key and body within 24 h) re-issues its key: the
    first answer was lost (its secret is never stored, so the replay cannot repeat it) and nobody can prove
    they hold the first key. So: a fresh key for the same account (same name, scopes, environment), the
    registration's key revoked, both in one guarded transaction with their audit entries and events; the
    replay answers the same account with the new secret. Every further replay re-issues again (the last
    replay holds the one working registration key); concurrent replays serialise on the key's guard.

    Nothing is re-issued (None: the stored replay, ``api_key: null``, stands) once the registration key was
    used (``last_used_at``: its holder has it), rotated, revoked or expired by its owner, or the account is
    no longer active: then the caller has, or had, a working key."""
    account_id = (stored.get(kind) or {}).get("id")
    key_id = (stored.get("key") or {}).get("key_id")
    if stored.get("api_key") is not None or not account_id or not key_id:
        return None
    account = store.get(account_id)
    if account is None or account.status != "active":
        return None
    try:
        key = key_store.registration_tail(account_id, key_id)
    except key_store.ChainBroken:
        raise ServiceUnavailable("The key is being re-issued; retry shortly.", retry_after=1) from None
    now = clock.now()
    if (
        key is None
        or key.status != "active"
        or key.last_used_at is not None
        or key.successor_key_id
        or (key.expires_at is not None and key.expires_at <= now)
    ):
        return None
    successor, secret = new_key(
        owner_id=account_id,
        owner_kind=kind,
        name=key.name,
        scopes=[str(s) for s in key.scopes],
        environment=key.environment,
        now=now,
        ip_allowlist=[str(x) for x in key.ip_allowlist or []],
        expires_at=key.expires_at,
    )
    successor.reissue_of = key.key_id
    actor = Actor(kind, account_id, successor.key_id, request_id, source_ip)
    common = {"owner_id": account_id, "owner_kind": kind, "reason": "registration_replayed"}
    changes = (
        Change(
            actor,
            Target("api_key", key.key_id, key.environment),
            "key_reissue",
            "key.revoked",
            {"key_id": key.key_id, "successor_key_id": successor.key_id, **common},
            now,
        ),
        Change(
            actor,
            Target("api_key", successor.key_id, key.environment),
            "key_reissue",
            "key.created",
            {"key_id": successor.key_id, "reissue_of": key.key_id, **common},
            now,
        ),
    )
    ledger = key_store.read_ledger(account_id, key.environment)
    try:
        key_store.reissue(key, successor, ledger, now.timestamp(), *changes)
    except ConditionFailed:
        raise TransactionConflict() from None  # another replay re-issued it, or the key was used: decide again
    obs.logger.info(
        "registration replayed: key re-issued",
        extra={"account_id": account_id, "revoked_key_id": key.key_id, "key_id": successor.key_id},
    )
    obs.count("KeysReissued")
    return {**stored, "api_key": secret, "key": key_view(successor, now).model_dump(mode="json")}


def create_admin(name: str = "ops") -> tuple[Account, str]:
    """Bootstrap an admin (ops) account and key. Not reachable over HTTP: run by the local runtime and by
    ``python -m intentbid_local.admin_key`` against a stage's tables (README, Operations)."""
    account, _key, secret = _create("admin", name, None, "live")
    return account_view(account), secret


def me(principal: Principal) -> Me:
    account = store.get(principal.id)  # the name: what a client shows next to the id
    return Me(
        kind=principal.kind,
        id=principal.id,
        name=account.name if account else None,
        key_id=principal.key_id,  # type: ignore[arg-type]
        scopes=sorted(principal.scopes),
        environment=principal.environment,
        **(notifications(account) if account else {}),
    )  # type: ignore[arg-type]


def patch(p: Principal, kind: str, account_id: str, body: AccountPatch) -> Account:
    """Change the caller's own notification email settings (the path names the caller itself, else 404);
    audited on the account, no event (the catalog has none for accounts)."""
    prefix = ACCOUNT_PREFIX[kind]
    if not ids.is_id(account_id, prefix) or account_id != p.id or p.kind != kind:
        raise NotFound(f"No such {kind}.")
    fields: dict[str, Any] = {}
    if body.email_events is not None:
        fields["email_events"] = email.email_events(kind, body.email_events)
    if body.notify_email is not None:
        fields["notify_email"] = body.notify_email.lower()
    if not fields:
        raise ValidationFailed(
            "Nothing to change.",
            errors=[FieldError("$", "required", "Nothing to change: give at least one of notify_email, email_events.")],
        )
    now = clock.now()
    change = Change(
        Actor.of(p),
        Target(kind, account_id, p.environment),
        "account_update",
        None,
        {"fields": sorted(fields)},  # which settings changed, never the address itself (the audit is widely read)
        now,
    )
    try:
        account = store.update_notifications(account_id, fields, change)
    except ConditionFailed:
        account = None
    if account is None:
        raise NotFound(f"No such {kind}.")
    obs.logger.info("account notifications changed", extra={"account_id": account_id, "fields": sorted(fields)})
    return account_view(account)
