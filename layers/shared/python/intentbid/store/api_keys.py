"""API-key repository (the authorizer's lookup lives in :mod:`intentbid.store.key_lookup`).

The key ledger makes the cap on working keys exact under concurrency: one item per (account, environment) in
the api-keys table with one top-level attribute ``k_<key_id> = <expiry epoch s, 0 = never>`` per working key
and a ``ledger_version``. Creating or rotating a key reads it (one consistent GetItem), drops expired entries,
counts, and writes the new state in the key's own transaction on condition that the version did not move;
a revoke removes its entry and bumps the version unconditionally (no read). A missing ledger (an account
whose only key came from registration, or data older than the ledger) is built from the by_owner index.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action

from intentbid.domain import ids, keys
from intentbid.store import paging
from intentbid.store.models.api_keys import ApiKeyModel, ByOwnerIndex
from intentbid.store.port import ApiKey, Change
from intentbid.store.tx import transaction

_VERSION, _BUILT, _ENTRY = "ledger_version", "ledger_built", "k_"


def ledger_hash(owner_id: str, environment: str) -> str:
    return f"ledger#{owner_id}#{environment}"


def _expiry_s(expires_at: datetime | None) -> int:
    return 0 if expires_at is None else math.ceil(expires_at.timestamp())


@dataclass
class Ledger:
    """The working keys of one account in one environment: key_id -> expiry epoch s (0: never)."""

    owner_id: str
    environment: str
    version: int
    entries: dict[str, int] = field(default_factory=dict)
    stale: set[str] = field(default_factory=set)  # entries stored but no longer working: removed on write

    def working(self, now_s: float) -> dict[str, int]:
        return {k: e for k, e in self.entries.items() if e == 0 or e > now_s}

    def write(
        self, now_s: float, changes: dict[str, datetime | None], drop: Sequence[str] = ()
    ) -> tuple[ApiKeyModel, list[Action], Condition]:
        """The guarded update storing this ledger with ``changes`` (key_id -> new expiry) applied and the keys
        in ``drop`` (revoked) removed."""
        entries = {**self.working(now_s), **{k: _expiry_s(v) for k, v in changes.items()}}
        entries = {k: e for k, e in entries.items() if (e == 0 or e > now_s) and k not in drop}
        actions: list[Action] = [Path(_ENTRY + k).set(e) for k, e in sorted(entries.items())]
        actions += [Path(_ENTRY + k).remove() for k in sorted((set(self.entries) | self.stale) - set(entries))]
        actions += [Path(_VERSION).set(self.version + 1), Path(_BUILT).set(1)]
        version = Path(_VERSION)
        condition = version.does_not_exist() if self.version == 0 else version == self.version
        return ApiKeyModel(ledger_hash(self.owner_id, self.environment)), actions, condition


def read_ledger(owner_id: str, environment: str) -> Ledger:
    raw = ApiKeyModel._get_connection().get_item(ledger_hash(owner_id, environment), consistent_read=True)
    item: dict[str, Any] = raw.get("Item") or {}
    version = int(item.get(_VERSION, {}).get("N", 0))
    stored = {name[len(_ENTRY) :]: int(v["N"]) for name, v in item.items() if name.startswith(_ENTRY) and "N" in v}
    if _BUILT in item:
        return Ledger(owner_id, environment, version, stored)
    built = {  # first use: the account's keys as they are
        k.key_id: _expiry_s(k.expires_at)
        for k in list_for_owner(owner_id)
        if k.environment == environment and k.status == "active"
    }
    return Ledger(owner_id, environment, version, built, stale=set(stored))


def _ledger_revoke(key: ApiKeyModel) -> tuple[ApiKeyModel, list[Action]]:
    return ApiKeyModel(ledger_hash(key.owner_id, key.environment)), [
        Path(_ENTRY + key.key_id).remove(),
        Path(_VERSION).add(1),
    ]


def new_key(
    *,
    owner_id: str,
    owner_kind: str,
    name: str,
    scopes: list[str],
    environment: str,
    now: datetime,
    ip_allowlist: list[str] | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiKeyModel, str]:
    """Build (not save) a key item and return it with the secret, which is never stored."""
    secret = keys.generate(environment)
    prefix, last4 = keys.display_parts(secret)
    item = ApiKeyModel(
        keys.hash_key(secret),
        key_id=ids.new_id("key"),
        owner_id=owner_id,
        owner_kind=owner_kind,
        name=name,
        prefix=prefix,
        last4=last4,
        status="active",
        scopes=sorted(scopes),
        ip_allowlist=ip_allowlist or [],
        environment=environment,
        created_at=now,
        expires_at=expires_at,
    )
    return item, secret


def list_for_owner(owner_id: str) -> list[ApiKeyModel]:
    return list(ApiKeyModel.by_owner.query(owner_id))


def page_for_owner(
    owner_id: str, environment: str | None, *, limit: int, cursor: str | None
) -> tuple[list[ApiKeyModel], str | None]:
    """One page of the owner's keys in key-id order; ``environment=None`` (ops) lists both environments."""
    return paging.page(
        lambda start: ApiKeyModel.by_owner.query(owner_id, last_evaluated_key=start, page_size=limit),
        cursor,
        {"key_hash", "owner_id", "key_id"},
        limit,
        keep=lambda k: environment is None or k.environment == environment,
    )


def find_for_owner(owner_id: str, key_id: str) -> ApiKeyModel | None:
    for item in ApiKeyModel.by_owner.query(owner_id, ByOwnerIndex.key_id == key_id, limit=1):
        return ApiKeyModel.get(item.key_hash, consistent_read=True)
    return None


def save_new(key: ApiKeyModel, ledger: Ledger, now_s: float, *changes: Change) -> None:
    """Save a new key and record it in the ledger (ConditionFailed on the ledger: a concurrent change)."""
    with transaction(*changes) as tx:
        tx.save(key, condition=ApiKeyModel.key_hash.does_not_exist())
        item, actions, condition = ledger.write(now_s, {key.key_id: key.expires_at})
        tx.update(item, actions, condition=condition)


def rotate(
    key: ApiKey,
    grace_end: datetime,
    successor: ApiKeyModel,
    ledger: Ledger,
    now_s: float,
    *changes: Change,
) -> None:
    """Shorten ``key`` to ``grace_end`` and record its one successor (guarded: still active and never rotated),
    create the successor and update the ledger, in one transaction."""
    with transaction(*changes) as tx:
        tx.update(
            cast(ApiKeyModel, key),
            [ApiKeyModel.expires_at.set(grace_end), ApiKeyModel.successor_key_id.set(successor.key_id)],
            condition=ApiKeyModel.key_hash.exists()
            & (ApiKeyModel.status == "active")
            & ApiKeyModel.successor_key_id.does_not_exist(),
        )
        tx.save(successor, condition=ApiKeyModel.key_hash.does_not_exist())
        item, actions, condition = ledger.write(now_s, {key.key_id: grace_end, successor.key_id: successor.expires_at})
        tx.update(item, actions, condition=condition)


class ChainBroken(LookupError):
    """A re-issued key's successor is not visible yet (the by_owner index lags): retry shortly."""


def registration_tail(owner_id: str, key_id: str) -> ApiKeyModel | None:
    """The key a registration's first key ``key_id`` stands for now: itself, or the last key of the chain of
    re-issues that replaced it (a successor counts only when it says it re-issued its predecessor, never a
    rotation's). None when the account has no such key."""
    key = find_for_owner(owner_id, key_id)
    for _ in range(100):
        if key is None or key.status != "revoked" or not key.successor_key_id:
            return key
        successor = find_for_owner(owner_id, key.successor_key_id)
        if successor is None:
            raise ChainBroken(key.successor_key_id)
        if successor.reissue_of != key.key_id:
            return key
        key = successor
    return key


def reissue(key: ApiKey, successor: ApiKeyModel, ledger: Ledger, now_s: float, *changes: Change) -> None:
    """Revoke ``key`` and create ``successor`` in its place, in one transaction, guarded: ``key`` is still
    active, never used, never rotated or re-issued (else ConditionFailed: a concurrent replay or use won)."""
    with transaction(*changes) as tx:
        tx.update(
            cast(ApiKeyModel, key),
            [
                ApiKeyModel.status.set("revoked"),
                ApiKeyModel.revoked_at.set(successor.created_at),
                ApiKeyModel.successor_key_id.set(successor.key_id),
            ],
            condition=ApiKeyModel.key_hash.exists()
            & (ApiKeyModel.status == "active")
            & ApiKeyModel.successor_key_id.does_not_exist()
            & ApiKeyModel.last_used_at.does_not_exist(),
        )
        tx.save(successor, condition=ApiKeyModel.key_hash.does_not_exist())
        item, actions, condition = ledger.write(now_s, {successor.key_id: None}, drop=(key.key_id,))
        tx.update(item, actions, condition=condition)


def update(key: ApiKeyModel, actions: Sequence[Action], *changes: Change, revoking: bool = False) -> None:
    """Change a key (guarded: it still exists and is not revoked); a revoke also leaves the ledger."""
    with transaction(*changes) as tx:
        tx.update(key, list(actions), condition=ApiKeyModel.key_hash.exists() & (ApiKeyModel.status == "active"))
        if revoking:
            item, ledger_actions = _ledger_revoke(key)
            tx.update(item, ledger_actions)


def revoke(key: ApiKey, change: Change) -> None:
    """Revoke an active key and take it out of the ledger."""
    update(
        cast(ApiKeyModel, key),
        [ApiKeyModel.status.set("revoked"), ApiKeyModel.revoked_at.set(change.at)],
        change,
        revoking=True,
    )


def edit(
    key: ApiKey,
    change: Change,
    *,
    name: str | None = None,
    scopes: Sequence[str] | None = None,
    ip_allowlist: Sequence[str] | None = None,
) -> None:
    """Rename an active key, or set its scopes or allowlist (each when given)."""
    actions: list[Action] = [ApiKeyModel.name.set(name)] if name is not None else []
    if scopes is not None:
        actions.append(ApiKeyModel.scopes.set(list(scopes)))  # type: ignore[arg-type]
    if ip_allowlist is not None:
        actions.append(ApiKeyModel.ip_allowlist.set(list(ip_allowlist)))  # type: ignore[arg-type]
    update(cast(ApiKeyModel, key), actions, change)


def touch(owner_id: str, key_id: str, now: datetime) -> None:
    """Record ``last_used_at`` (called at most once per rate-limit window per key, never per request)."""
    for item in ApiKeyModel.by_owner.query(owner_id, ByOwnerIndex.key_id == key_id, limit=1):
        ApiKeyModel(item.key_hash).update(
            actions=[ApiKeyModel.last_used_at.set(now)], condition=ApiKeyModel.key_hash.exists()
        )
