"""The authorizer's key lookup (botocore, no PynamoDB) reads an api-keys item exactly as ``ApiKeyModel`` does,
with one consistent GetItem."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

import pytest

from intentbid.store.key_lookup import KeyRecord, find_by_hash
from intentbid.store.models.api_keys import ApiKeyModel

pytestmark = pytest.mark.usefixtures("aws")


def as_model_reads(model: ApiKeyModel) -> dict[str, Any]:
    return {f.name: getattr(model, f.name) for f in fields(KeyRecord)}


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {
            "status": "revoked",
            "ip_allowlist": ["10.0.0.0/8", "192.0.2.7/32"],
            "last_used_at": datetime(2026, 5, 1, 8, 30, 0, 123456, tzinfo=UTC),
            "expires_at": datetime(2099, 1, 31, 23, 59, 59, tzinfo=UTC),
            "revoked_at": datetime(2026, 6, 1, tzinfo=UTC),
            "successor_key_id": "key_next",
        },
    ],
)
def test_every_attribute_reads_as_the_model_reads_it(extra: dict[str, Any]) -> None:
    ApiKeyModel(
        "a" * 64,
        key_id="key_1",
        owner_id="ven_1",
        owner_kind="vendor",
        name="ci",
        prefix="ib_live_",
        last4="abcd",
        scopes=["offers:write", "rfos:read"],
        environment="live",
        created_at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        **extra,
    ).save()
    found = find_by_hash("a" * 64)
    assert found is not None
    assert {f.name: getattr(found, f.name) for f in fields(KeyRecord)} == as_model_reads(ApiKeyModel.get("a" * 64))
    assert set(fields_of_model()) == {f.name for f in fields(KeyRecord)}


def fields_of_model() -> list[str]:
    return list(ApiKeyModel.get_attributes())


def test_an_unknown_hash_is_none_after_one_consistent_get_item() -> None:
    import botocore.client

    calls: list[tuple[str, dict[str, Any]]] = []
    original = botocore.client.BaseClient._make_api_call

    def spy(client: Any, operation: str, params: dict[str, Any]) -> Any:
        calls.append((operation, params))
        return original(client, operation, params)

    botocore.client.BaseClient._make_api_call = spy  # type: ignore[method-assign]
    try:
        assert find_by_hash("b" * 64) is None
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]
    assert calls == [
        (
            "GetItem",
            {"TableName": "intentbid-test-api-keys", "Key": {"key_hash": {"S": "b" * 64}}, "ConsistentRead": True},
        )
    ]
