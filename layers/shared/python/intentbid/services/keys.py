"""API key lifecycle for vendors and buyers: create, list, revoke, rotate with grace, patch.

Secrets are generated here, returned once, and stored only as SHA-256 hashes. A key can never hold a scope
its kind lacks, and a patch may only narrow scopes. Revocation is immediate (the authorizer does not cache).
Every change is one transaction with its audit entry (never the secret) and outbox event.

A key manages only keys of its own environment (any other is 404, as if absent) and never makes or leaves
a key more powerful than itself: it rotates or patches only keys whose scopes it holds all of (else 403
``insufficient_scope``), a successor holds the intersection of both keys' scopes, and a key pinned to an IP
allowlist gives the keys it creates or patches only addresses within that allowlist. Revoking only removes
power, so any ``keys:manage`` key of the environment may revoke. Ops (admin) list and revoke in both
environments. A key has at most one successor (409 ``key_already_rotated``), and an account holds at most
``max_active_keys_per_account`` working keys per environment (409 ``key_limit_reached``).
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from intentbid import observability as obs
from intentbid.config import settings
from intentbid.domain import cidr, clock, ids
from intentbid.domain.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from intentbid.domain.principal import KIND_SCOPES, Principal
from intentbid.schemas.accounts import KeyCreate, KeyCreated, KeyInfo, KeyPage, KeyPatch, KeyRotate
from intentbid.schemas.common import PageQuery, utc
from intentbid.services import retry_on_conflict
from intentbid.services.views.accounts import key_view
from intentbid.store import api_keys as store
from intentbid.store.port import Actor, ApiKey, Change, ConditionFailed, Target, TransactionConflict


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
            f"{field}[{i}] must be one of the scopes this key may grant: {', '.join(sorted(allowed))}",
        )
        for i, s in enumerate(requested)
        if s not in allowed
    ]
    if not requested:
        errs.append(FieldError(field, "too_short", f"{field} must name at least one scope"))
    if errs:
        raise ValidationFailed("The scopes are not valid for this key.", errors=errs)
    return sorted(set(requested))


def _change(p: Principal, key: ApiKey, action: str, event: str, now: datetime, data: dict[str, Any]) -> Change:
    """A key's change as recorded: the audit entry and the event both name the key and its owner."""
    payload = {"key_id": key.key_id, "owner_id": key.owner_id, "owner_kind": key.owner_kind, **data}
    return Change(Actor.of(p), Target("api_key", key.key_id, key.environment), action, event, payload, now)


def _find(p: Principal, owner_kind: str, owner_id: str, key_id: str) -> ApiKey:
    """The key, if the caller may see it: its owner's keys of the caller's environment (ops: either)."""
    _owner(p, owner_kind, owner_id)
    key = store.find_for_owner(owner_id, key_id) if ids.is_id(key_id, "key") else None
    if key is None or (not p.is_admin and key.environment != p.environment):
        raise NotFound("No such key.")
    return key


def _within_caller(p: Principal, key: ApiKey, action: str) -> None:
    """Rotating or changing a key needs every scope it holds: no key makes or leaves one stronger than itself."""
    missing = sorted({str(x) for x in key.scopes} - p.scopes)
    if missing:
        raise Forbidden(
            f"Only a key holding every scope of this key may {action} it; the calling key lacks: {', '.join(missing)}.",
            code="insufficient_scope",
        )


def _caller_allowlist(p: Principal, owner_id: str) -> list[str]:
    """The calling key's own IP allowlist (empty: any address). Fails closed if the key cannot be found."""
    caller = store.find_for_owner(owner_id, p.key_id) if ids.is_id(p.key_id, "key") else None
    if caller is None:
        raise Forbidden("The calling key could not be found.", code="insufficient_scope")
    return [str(x) for x in caller.ip_allowlist or []]


def _inside(entry: str, ceiling: list[str]) -> bool:
    """Whether the network ``entry`` lies within one of ``ceiling`` (same IP version)."""
    net = ipaddress.ip_network(entry)
    return any(
        net.version == outer.version
        and int(net.network_address) >= int(outer.network_address)
        and int(net.broadcast_address) <= int(outer.broadcast_address)
        for outer in map(ipaddress.ip_network, ceiling)
    )


def _allowlist_within(requested: list[str], ceiling: list[str], field: str = "ip_allowlist") -> None:
    """A pinned caller grants only addresses it may use itself: every entry inside one of its own, never []."""
    if not ceiling:
        return
    why = f"the calling key is limited to {', '.join(ceiling)}; a key it manages must stay within those addresses"
    errs = [
        FieldError(f"{field}[{i}]", "allowlist_not_narrowing", why)
        for i, entry in enumerate(requested)
        if not _inside(entry, ceiling)
    ]
    if not requested:
        errs.append(FieldError(field, "allowlist_not_narrowing", f"an empty allowlist allows any address; {why}"))
    if errs:
        raise ValidationFailed("The IP allowlist is wider than the calling key's.", errors=errs)


T = TypeVar("T")


class _Refusals:
    """Runs each check of a request and keeps its refusal, so one 400 names every field at fault (a check that
    fails alone keeps its own wording)."""

    def __init__(self) -> None:
        self.refused: list[ValidationFailed] = []

    def check(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as exc:
            self.refused.append(exc)
            return None

    def add(self, errors: list[FieldError], detail: str) -> None:
        if errors:
            self.refused.append(ValidationFailed(detail, errors=errors))

    def raise_any(self) -> None:
        if len(self.refused) == 1:
            raise self.refused[0]
        if self.refused:
            errors = [fe for exc in self.refused for fe in exc.errors]
            raise ValidationFailed(f"{len(errors)} field(s) failed validation.", errors=errors)


def _limit_reached(cap: int, environment: str) -> Conflict:
    return Conflict(
        f"This account already holds {cap} working {environment} keys, the most allowed: revoke one first.",
        code="key_limit_reached",
        extra={"limit": cap},
    )


# Every loss of a ledger race is some other key change's win, so N concurrent changes of one account's keys
# settle within N attempts: 16 covers a client creating keys 16 at a time (beyond, 503 retryable).
LEDGER_ATTEMPTS = 16


@retry_on_conflict(LEDGER_ATTEMPTS)
def create(p: Principal, owner_kind: str, owner_id: str, body: KeyCreate) -> KeyCreated:
    """A new key never holds more than the key that creates it: its scopes default to, and must lie within,
    the calling key's scopes; a sandbox (``ib_test_``) key creates only sandbox keys; a pinned key creates keys
    pinned within its allowlist (by default its own)."""
    _owner(p, owner_kind, owner_id)
    now = clock.now()
    errs = []
    environment = body.environment or p.environment
    if p.environment == "test" and environment != "test":
        errs.append(
            FieldError(
                "environment",
                "environment_not_allowed",
                "environment must be test: a sandbox key creates sandbox keys only",
            )
        )
    expires_at = utc(body.expires_at) if body.expires_at else None
    if expires_at is not None and expires_at <= now:
        errs.append(FieldError("expires_at", "in_past", "expires_at must be in the future"))
    refusals = _Refusals()
    refusals.add(errs, "The key is not valid.")
    scopes = refusals.check(_scopes, owner_kind, body.scopes, ceiling=p.scopes & KIND_SCOPES[owner_kind])
    own = _caller_allowlist(p, owner_id)
    allowlist: list[str] | None = own  # default: where the calling key itself may be used from
    if "ip_allowlist" in body.model_fields_set:
        allowlist = refusals.check(cidr.normalise, body.ip_allowlist)
        if allowlist is not None:
            refusals.check(_allowlist_within, allowlist, own)
    refusals.raise_any()
    assert scopes is not None and allowlist is not None
    ledger = store.read_ledger(owner_id, environment)
    cap = settings().keys.max_active_keys_per_account
    if cap and len(ledger.working(now.timestamp())) >= cap:
        raise _limit_reached(cap, environment)
    key, secret = store.new_key(
        owner_id=owner_id,
        owner_kind=owner_kind,
        name=body.name,
        scopes=scopes,
        environment=environment,
        now=now,
        ip_allowlist=allowlist,
        expires_at=expires_at,
    )
    try:
        store.save_new(
            key,
            ledger,
            now.timestamp(),
            _change(
                p, key, "key_create", "key.created", now, {"name": key.name, "scopes": [str(x) for x in key.scopes]}
            ),
        )
    except ConditionFailed:
        raise TransactionConflict() from None  # another key change of this account won: count again
    obs.count("KeysCreated")
    return KeyCreated(key=key_view(key, now), api_key=secret)


def list_(p: Principal, owner_kind: str, owner_id: str, q: PageQuery | None = None) -> KeyPage:
    """The owner's keys of the caller's environment (ops: both), a page at a time in key-id order."""
    _owner(p, owner_kind, owner_id)
    q = q or PageQuery()
    now = clock.now()
    items, cursor = store.page_for_owner(
        owner_id, None if p.is_admin else p.environment, limit=q.limit, cursor=q.cursor
    )
    return KeyPage(data=[key_view(k, now) for k in items], next_cursor=cursor)


@retry_on_conflict()
def revoke(p: Principal, owner_kind: str, owner_id: str, key_id: str) -> KeyInfo:
    """Revoke at once; revoking a revoked key returns it unchanged (idempotent)."""
    key = _find(p, owner_kind, owner_id, key_id)
    now = clock.now()
    if key.status == "revoked":
        return key_view(key, now)
    with contextlib.suppress(ConditionFailed):  # revoked concurrently: the outcome is the same
        store.revoke(key, _change(p, key, "key_revoke", "key.revoked", now, {}))
    obs.count("KeysRevoked")
    return key_view(store.find_for_owner(owner_id, key_id) or key, now)


@retry_on_conflict(LEDGER_ATTEMPTS)
def rotate(p: Principal, owner_kind: str, owner_id: str, key_id: str, body: KeyRotate) -> KeyCreated:
    """A new key with the same name, allowlist and environment, and the scopes both the rotated and the
    calling key hold; the old one keeps working until ``now + grace_seconds`` (never longer than it would
    have), then fails ``key_expired``. One successor per key: a second rotation is 409 ``key_already_rotated``.
    A rotation may take the account one key over the cap while its grace runs (it replaces a key)."""
    key = _find(p, owner_kind, owner_id, key_id)
    _within_caller(p, key, "rotate")
    now = clock.now()
    if key.successor_key_id:
        raise Conflict(
            f"This key was already rotated; its successor is {key.successor_key_id}.",
            code="key_already_rotated",
            extra={"successor_key_id": key.successor_key_id},
        )
    if key.status != "active" or (key.expires_at is not None and key.expires_at <= now):
        raise ValidationFailed(
            "Only an active key can be rotated.",
            code="key_not_active",
            errors=[
                FieldError(
                    "key_id", "key_not_active", "the key is revoked or expired: only an active key can be rotated"
                )
            ],
        )
    grace_end = now + timedelta(seconds=body.grace_seconds)
    if key.expires_at is not None:
        grace_end = min(grace_end, key.expires_at)
    successor, secret = store.new_key(
        owner_id=owner_id,
        owner_kind=owner_kind,
        name=key.name,
        scopes=sorted({str(x) for x in key.scopes} & p.scopes),
        environment=key.environment,
        now=now,
        ip_allowlist=[str(x) for x in key.ip_allowlist or []],
        expires_at=key.expires_at,
    )
    ledger = store.read_ledger(owner_id, key.environment)
    after = ledger.working(now.timestamp())
    after.pop(key.key_id, None)
    cap = settings().keys.max_active_keys_per_account
    if cap and len(after) + 1 + (grace_end > now) > cap + 1:
        raise _limit_reached(cap, key.environment)
    data = {"successor_key_id": successor.key_id, "grace_ends_at": clock.to_rfc3339(grace_end)}
    try:
        store.rotate(
            key,
            grace_end,
            successor,
            ledger,
            now.timestamp(),
            _change(p, key, "key_rotate", "key.created", now, data),
        )
    except ConditionFailed:
        raise TransactionConflict() from None  # rotated, revoked or another key changed meanwhile: decide again
    obs.count("KeysRotated")
    return KeyCreated(key=key_view(successor, now), api_key=secret)


@retry_on_conflict()
def patch(p: Principal, owner_kind: str, owner_id: str, key_id: str, body: KeyPatch) -> KeyInfo:
    """Rename, narrow scopes (never widen), or change the allowlist of an active key - one whose scopes the
    calling key holds all of; a pinned caller sets only allowlists within its own."""
    key = _find(p, owner_kind, owner_id, key_id)
    _within_caller(p, key, "change")
    now = clock.now()
    changed: dict[str, Any] = {}
    refusals = _Refusals()
    if body.scopes is not None:
        ceiling = frozenset(str(x) for x in key.scopes)
        scopes = refusals.check(_scopes, owner_kind, body.scopes, ceiling=ceiling)
        if scopes is not None:
            changed["scopes"] = scopes
    if body.ip_allowlist is not None:
        allowlist = refusals.check(cidr.normalise, body.ip_allowlist)
        if allowlist is not None:
            refusals.check(_allowlist_within, allowlist, _caller_allowlist(p, owner_id))
            changed["ip_allowlist"] = allowlist
    refusals.raise_any()
    if body.name is None and not changed:
        raise ValidationFailed(
            "Nothing to change.",
            errors=[FieldError("$", "required", "Nothing to change: give at least one of name, scopes, ip_allowlist.")],
        )
    try:
        store.edit(
            key,
            _change(p, key, "key_update", "key.updated", now, changed),
            name=body.name,
            scopes=changed.get("scopes"),
            ip_allowlist=changed.get("ip_allowlist"),
        )
    except ConditionFailed:
        raise ValidationFailed(
            "Only an active key can be changed.",
            code="key_not_active",
            errors=[FieldError("key_id", "key_not_active", "the key is revoked: only an active key can be changed")],
        ) from None
    return key_view(store.find_for_owner(owner_id, key_id) or key, now)
