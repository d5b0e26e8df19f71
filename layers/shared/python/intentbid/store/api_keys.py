"""API-key repository (the authorizer's lookup lives in :mod:`intentbid.store.key_lookup`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pynamodb.expressions.update import Action
from pynamodb.models import Model

from intentbid.domain import ids, keys
from intentbid.store.models.api_keys import ApiKeyModel, ByOwnerIndex
from intentbid.store.tx import transaction


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


def find_for_owner(owner_id: str, key_id: str) -> ApiKeyModel | None:
    for item in ApiKeyModel.by_owner.query(owner_id, ByOwnerIndex.key_id == key_id, limit=1):
        return ApiKeyModel.get(item.key_hash, consistent_read=True)
    return None


def save_new(key: ApiKeyModel, *records: Model) -> None:
    with transaction(*records) as tx:
        tx.save(key, condition=ApiKeyModel.key_hash.does_not_exist())


def update(
    key: ApiKeyModel, actions: Sequence[Action], *records: Model, also_create: ApiKeyModel | None = None
) -> None:
    """Change a key (guarded: it still exists and is not revoked), optionally creating its successor."""
    with transaction(*records) as tx:
        tx.update(key, list(actions), condition=ApiKeyModel.key_hash.exists() & (ApiKeyModel.status == "active"))
        if also_create is not None:
            tx.save(also_create, condition=ApiKeyModel.key_hash.does_not_exist())


def touch(owner_id: str, key_id: str, now: datetime) -> None:
    """Record ``last_used_at`` (called at most once per rate-limit window per key, never per request)."""
    for item in ApiKeyModel.by_owner.query(owner_id, ByOwnerIndex.key_id == key_id, limit=1):
        ApiKeyModel(item.key_hash).update(
            actions=[ApiKeyModel.last_used_at.set(now)], condition=ApiKeyModel.key_hash.exists()
        )
