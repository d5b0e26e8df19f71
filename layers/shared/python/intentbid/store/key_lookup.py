"""The authorizer's hot path, kept apart so it imports nothing but the api-keys model: one GetItem by the
SHA-256 of the presented key (no secret is ever compared; DynamoDB finds the hash or it does not)."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from intentbid.store.models.api_keys import ApiKeyModel


def find_by_hash(key_hash: str) -> ApiKeyModel | None:
    try:
        return ApiKeyModel.get(key_hash, consistent_read=True)
    except DoesNotExist:
        return None
