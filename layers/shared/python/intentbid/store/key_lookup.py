"""The authorizer's hot path: one consistent GetItem by the SHA-256 of the presented key (no secret is ever
compared; DynamoDB finds the hash or it does not).

It speaks botocore directly instead of going through :class:`~intentbid.store.models.api_keys.ApiKeyModel`:
loading PynamoDB (with botocore's client machinery) was ~0.7x of a boto3 baseline on its own, more than the
authorizer's whole cold-start budget (issue 12: <= 0.7x, ``bench/cold_imports.py``). Nothing here is imported
until the first lookup; the client is built then, once per process, with the configuration PynamoDB gives its
own (no parameter validation, the same timeouts, pool and retries), so the call on the wire is the same
GetItem (``tests/integration/test_aws_calls.py``). The item is read into a :class:`KeyRecord` with the
attributes and types the model would have (``tests/integration/test_key_lookup.py`` compares the two).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from intentbid import config

LOGICAL_TABLE = "api-keys"  # ApiKeyModel.logical_name
# PynamoDB's defaults (pynamodb.settings): connect 15 s, read 30 s, 10 connections, 3 retries (standard mode).
CLIENT_CONFIG: dict[str, Any] = {
    "parameter_validation": False,
    "connect_timeout": 15,
    "read_timeout": 30,
    "max_pool_connections": 10,
    "retries": {"total_max_attempts": 4, "mode": "standard"},
}


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """An api-keys item as :class:`ApiKeyModel` reads it (same attribute names, ``datetime`` in UTC)."""

    key_hash: str
    key_id: str
    owner_id: str
    owner_kind: str
    name: str | None = None
    prefix: str | None = None
    last4: str | None = None
    status: str = "active"
    scopes: list[str] | None = None
    ip_allowlist: list[str] = field(default_factory=list)
    environment: str | None = None
    created_at: datetime | None = None
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    successor_key_id: str | None = None
    reissue_of: str | None = None


_TEXT = ("key_hash", "key_id", "owner_id", "owner_kind", "name", "prefix", "last4", "environment")
_TIMES = ("created_at", "last_used_at", "expires_at", "revoked_at")


def record_of(item: dict[str, Any]) -> KeyRecord:
    """A DynamoDB-JSON item (``{"key_id": {"S": ...}, ...}``) -> :class:`KeyRecord`."""
    values: dict[str, Any] = {}
    for name in (*_TEXT, "status", "successor_key_id", "reissue_of"):
        if name in item and "S" in item[name]:
            values[name] = item[name]["S"]
    for name in ("scopes", "ip_allowlist"):
        if name in item and "L" in item[name]:
            values[name] = [v["S"] for v in item[name]["L"]]
    for name in _TIMES:
        if name in item and "S" in item[name]:
            # UTCDateTimeAttribute's format, 2026-01-31T12:00:00.000000+0000 (fromisoformat reads it as UTC)
            values[name] = datetime.fromisoformat(item[name]["S"])
    return KeyRecord(**values)


_lock = threading.Lock()
_client: Any = None
_client_for: tuple[str, str | None] | None = None


def reset() -> None:
    """Forget the client (``intentbid.store.base.bind``: another region, endpoint or table prefix)."""
    global _client, _client_for
    with _lock:
        _client, _client_for = None, None


def client() -> Any:
    """The process's DynamoDB client, built on first use (rebuilt when the region or endpoint changed, or when
    it was built without credentials, as PynamoDB does)."""
    global _client, _client_for
    want = (config.settings().deployment.region, os.environ.get("AWS_ENDPOINT_URL"))
    with _lock:
        signer = getattr(_client, "_request_signer", None)
        if _client is None or _client_for != want or (signer is not None and not signer._credentials):
            from botocore.config import Config
            from botocore.session import get_session

            _client = get_session().create_client("dynamodb", want[0], config=Config(**CLIENT_CONFIG))
            _client_for = want
        return _client


def find_by_hash(key_hash: str) -> KeyRecord | None:
    table = config.settings().deployment.table_prefix + LOGICAL_TABLE
    item = client().get_item(TableName=table, Key={"key_hash": {"S": key_hash}}, ConsistentRead=True).get("Item")
    return record_of(item) if item else None
