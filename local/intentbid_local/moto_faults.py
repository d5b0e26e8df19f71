"""GSI propagation lag inside moto (which keeps its indexes consistent): a Query on an index answers from the
table as it was ``lag_ms`` ago.

Every write (PutItem, UpdateItem, DeleteItem, and a transaction's items, which go through them) records the item's
previous image and when it was replaced. An index Query's results are then swapped for the image each item had
``lag_ms`` ago: its previous version, or nothing when it did not exist yet. (An approximation: moto selects the
items by their current attributes, so an item that left the queried partition within the lag is not shown in
its old one.) Base-table reads stay strongly consistent where asked. Runs under :mod:`moto_atomic`'s lock.
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any

_lag_s = 0.0
_history: dict[tuple[str, str], list[tuple[float, Any]]] = {}  # (table, key) -> [(replaced at, previous image)]
_installed = False


def _key(table: Any, attrs: dict[str, Any]) -> str:
    """The item's primary key as text, from raw DynamoDB JSON or moto's DynamoType values."""

    def plain(v: Any) -> Any:
        return v.to_json() if hasattr(v, "to_json") else v

    names = [table.hash_key_attr, *([table.range_key_attr] if table.range_key_attr else [])]
    return json.dumps([plain(attrs.get(n)) for n in names], sort_keys=True, default=str)


def _remember(backend: Any, table_name: str, key_attrs: dict[str, Any]) -> None:
    if _lag_s <= 0:
        return
    try:
        table = backend.get_table(table_name)
        hash_value, range_value = backend.get_keys_value(table, key_attrs)
        previous = table.get_item(hash_value, range_value)
    except Exception:  # moto raises its own validation error for the call itself
        return
    now = time.monotonic()
    versions = _history.setdefault((table.name, _key(table, key_attrs)), [])
    versions[:] = [v for v in versions if now - v[0] < _lag_s]
    versions.append((now, copy.deepcopy(previous)))


def _as_of(table: Any, item: Any) -> Any:
    """``item`` as the index saw it ``_lag_s`` ago (None: it was not there)."""
    versions = _history.get((table.name, _key(table, item.attrs)))
    if not versions:
        return item
    cutoff = time.monotonic() - _lag_s
    for replaced_at, previous in versions:
        if replaced_at > cutoff:
            return previous  # the first write the index has not seen yet: what it still shows
    return item


def install(lag_ms: int) -> None:
    global _lag_s, _installed
    _lag_s = lag_ms / 1000.0
    if _installed or lag_ms <= 0:
        return
    from moto.dynamodb.models import DynamoDBBackend

    put, update, delete, query = (
        DynamoDBBackend.put_item,
        DynamoDBBackend.update_item,
        DynamoDBBackend.delete_item,
        DynamoDBBackend.query,
    )

    def put_item(self: Any, table_name: str, item_attrs: dict[str, Any], *a: Any, **kw: Any) -> Any:
        _remember(self, table_name, item_attrs)
        return put(self, table_name, item_attrs, *a, **kw)

    def update_item(self: Any, table_name: str, key: dict[str, Any], *a: Any, **kw: Any) -> Any:
        _remember(self, table_name, key)
        return update(self, table_name, key, *a, **kw)

    def delete_item(self: Any, table_name: str, key: dict[str, Any], *a: Any, **kw: Any) -> Any:
        _remember(self, table_name, key)
        return delete(self, table_name, key, *a, **kw)

    def query_(self: Any, table_name: str, *a: Any, **kw: Any) -> Any:
        results, scanned, last_key = query(self, table_name, *a, **kw)
        index = kw.get("index_name") if "index_name" in kw else (a[7] if len(a) > 7 else None)
        if index and _lag_s > 0:
            table = self.get_table(table_name)
            shown = [_as_of(table, item) for item in results]
            results = [item for item in shown if item is not None]
        return results, scanned, last_key

    DynamoDBBackend.put_item = put_item  # type: ignore[method-assign]
    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]
    DynamoDBBackend.delete_item = delete_item  # type: ignore[method-assign]
    DynamoDBBackend.query = query_  # type: ignore[method-assign]
    _installed = True
