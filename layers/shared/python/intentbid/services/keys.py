"""API key lifecycle for vendors and buyers: create, list, revoke, rotate with grace, patch.

Secrets are generated here, returned once, and stored only as SHA-256 hashes. A key can never hold a scope
its kind lacks, and a patch may only narrow scopes. Revocation is immediate (the authorizer does not cache).
Every change is one transaction with its audit entry (never the secret) and outbox event.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from intentbid import observability as obs
from intentbid.domain import cidr, clock, ids
from intentbid.domain.errors import FieldError, NotFound, ValidationFailed
from intentbid.domain.principal import KIND_SCOPES, Principal
from intentbid.schemas.accounts import KeyCreate, KeyCreated, KeyInfo, KeyPage, KeyPatch, KeyRotate
from intentbid.schemas.common import utc
from intentbid.services import retry_on_conflict
from intentbid.services.accounts import key_view
from intentbid.store import api_keys as store
from intentbid.store import audit, outbox
from intentbid.store.models.api_keys import ApiKeyModel
from intentbid.store.tx import ConditionFailed


def _owner(p: Principal, owner_kind: str, owner_id: str) -> None:
    """Only the owner manages its keys (admins may list and revoke, e.g. a leaked key). Else 404."""
    prefix = {"vendor": "ven", "buyer": "buy"}[owner_kind]
    if not ids.is_id(owner_id, prefix) or (not p.is_admin and owner_id != p.id):
        raise NotFound(f"No such {owner_kind}.")


def _scopes(
    kind: str, requested: list[str] | None, ceiling: frozenset[str] | None = None, field: str = "scopes"
) -> list[str]:
    allowed = KIND_SCOPES[kind] if ceiling is None else ceiling
    if requested is None:
        return sorted(allowed)  # default: everything the ceiling allows
    errs = [
        FieldError(
            f"{field}[{i}]",
            "unknown_scope" if s not in KIND_SCOPES[kind] else "scope_not_narrowing",
            f"a {kind} key can hold: {', '.join(sorted(allowed))}",
        )
        for i, s in enumerate(requested)
        if s not in allowed
    ]
    if not requested:
        errs.append(FieldError(field, "too_short", "give at least one scope"))
    if errs:
        raise ValidationFailed("The scopes are not valid for this key.", errors=errs)
    return sorted(set(requested))


def _records(
    p: Principal, key: ApiKeyModel, action: str, event: str, now: datetime, data: dict[str, Any]
) -> tuple[Any, Any]:
    payload = {"key_id": key.key_id, "owner_id": key.owner_id, "owner_kind": key.owner_kind, **data}
    return (
        audit.entry(
            audit.Actor.of(p),
            action=action,
            target_id=key.key_id,
            target_type="api_key",
            environment=key.environment,
            now=now,
            payload=payload,
        ),
        outbox.event(event, key.key_id, key.environment, payload, now),
    )


def _find(p: Principal, owner_kind: str, owner_id: str, key_id: str) -> ApiKeyModel:
    _owner(p, owner_kind, owner_id)
    key = store.find_for_owner(owner_id, key_id) if ids.is_id(key_id, "key") else None
    if key is None:
        raise NotFound("No such key.")
    return key


def create(p: Principal, owner_kind: str, owner_id: str, body: KeyCreate) -> KeyCreated:
    """A new key never holds more than the key that creates it: its scopes default to, and must lie within,
    the calling key's scopes; a sandbox (``ib_test_``) key creates only sandbox keys."""
    _owner(p, owner_kind, owner_id)
    now = clock.now()
    errs = []
    environment = body.environment or p.environment
    if p.environment == "test" and environment != "test":
        errs.append(FieldError("environment", "environment_not_allowed", "a sandbox key creates sandbox keys only"))
    expires_at = utc(body.expires_at) if body.expires_at else None
    if expires_at is not None and expires_at <= now:
        errs.append(FieldError("expires_at", "in_past", "expires_at must be in the future"))
    if errs:
        raise ValidationFailed("The key is not valid.", errors=errs)
    key, secret = store.new_key(
        owner_id=owner_id,
        owner_kind=owner_kind,
        name=body.name,
        scopes=_scopes(owner_kind, body.scopes, ceiling=p.scopes & KIND_SCOPES[owner_kind]),
        environment=environment,
        now=now,
        ip_allowlist=cidr.normalise(body.ip_allowlist),
        expires_at=expires_at,
    )
    store.save_new(
        key,
        *_records(p, key, "key_create", "key.created", now, {"name": key.name, "scopes": [str(x) for x in key.scopes]}),
    )
    obs.count("KeysCreated")
    return KeyCreated(key=key_view(key, now), api_key=secret)


def list_(p: Principal, owner_kind: str, owner_id: str) -> KeyPage:
    _owner(p, owner_kind, owner_id)
    now = clock.now()
    return KeyPage(data=[key_view(k, now) for k in store.list_for_owner(owner_id)])


@retry_on_conflict()
def revoke(p: Principal, owner_kind: str, owner_id: str, key_id: str) -> KeyInfo:
    """Revoke at once; revoking a revoked key returns it unchanged (idempotent)."""
    key = _find(p, owner_kind, owner_id, key_id)
    now = clock.now()
    if key.status == "revoked":
        return key_view(key, now)
    with contextlib.suppress(ConditionFailed):  # revoked concurrently: the outcome is the same
        store.update(
            key,
            [ApiKeyModel.status.set("revoked"), ApiKeyModel.revoked_at.set(now)],
            *_records(p, key, "key_revoke", "key.revoked", now, {}),
        )
    obs.count("KeysRevoked")
    return key_view(store.find_for_owner(owner_id, key_id) or key, now)


@retry_on_conflict()
def rotate(p: Principal, owner_kind: str, owner_id: str, key_id: str, body: KeyRotate) -> KeyCreated:
    """A new key with the same name, scopes, allowlist and environment; the old one keeps working until
    ``now + grace_seconds`` (never longer than it would have), then fails ``key_expired``."""
    key = _find(p, owner_kind, owner_id, key_id)
    now = clock.now()
    if key.status != "active" or (key.expires_at is not None and key.expires_at <= now):
        raise ValidationFailed(
            "Only an active key can be rotated.",
            code="key_not_active",
            errors=[FieldError("key_id", "key_not_active", "revoked or expired")],
        )
    grace_end = now + timedelta(seconds=body.grace_seconds)
    if key.expires_at is not None:
        grace_end = min(grace_end, key.expires_at)
    successor, secret = store.new_key(
        owner_id=owner_id,
        owner_kind=owner_kind,
        name=key.name,
        scopes=[str(x) for x in key.scopes],
        environment=key.environment,
        now=now,
        ip_allowlist=[str(x) for x in key.ip_allowlist or []],
        expires_at=key.expires_at,
    )
    data = {"successor_key_id": successor.key_id, "grace_ends_at": clock.to_rfc3339(grace_end)}
    try:
        store.update(
            key,
            [ApiKeyModel.expires_at.set(grace_end)],
            *_records(p, key, "key_rotate", "key.created", now, data),
            also_create=successor,
        )
    except ConditionFailed:
        raise ValidationFailed(
            "Only an active key can be rotated.",
            code="key_not_active",
            errors=[FieldError("key_id", "key_not_active", "revoked concurrently")],
        ) from None
    obs.count("KeysRotated")
    return KeyCreated(key=key_view(successor, now), api_key=secret)


@retry_on_conflict()
def patch(p: Principal, owner_kind: str, owner_id: str, key_id: str, body: KeyPatch) -> KeyInfo:
    """Rename, narrow scopes (never widen), or change the allowlist of an active key."""
    key = _find(p, owner_kind, owner_id, key_id)
    now = clock.now()
    actions = [ApiKeyModel.name.set(body.name)] if body.name is not None else []
    changed: dict[str, Any] = {}
    if body.scopes is not None:
        scopes = _scopes(owner_kind, body.scopes, ceiling=frozenset(str(x) for x in key.scopes))
        actions.append(ApiKeyModel.scopes.set(scopes))  # type: ignore[arg-type]
        changed["scopes"] = scopes
    if body.ip_allowlist is not None:
        allowlist = cidr.normalise(body.ip_allowlist)
        actions.append(ApiKeyModel.ip_allowlist.set(allowlist))  # type: ignore[arg-type]
        changed["ip_allowlist"] = allowlist
    if not actions:
        raise ValidationFailed("Nothing to change.", errors=[FieldError("$", "required", "give a field")])
    try:
        store.update(key, actions, *_records(p, key, "key_update", "key.updated", now, changed))
    except ConditionFailed:
        raise ValidationFailed(
            "Only an active key can be changed.",
            code="key_not_active",
            errors=[FieldError("key_id", "key_not_active", "revoked")],
        ) from None
    return key_view(store.find_for_owner(owner_id, key_id) or key, now)
