"""API-key repository. The authorizer's hot path is :func:`find_by_hash`: one GetItem."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from intentbid.domain import ids, keys
from intentbid.store.models.api_keys import ApiKeyModel


def find_by_hash(key_hash: str) -> ApiKeyModel | None:
    try:
        return ApiKeyModel.get(key_hash, consistent_read=True)
    except DoesNotExist:
        return None


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
