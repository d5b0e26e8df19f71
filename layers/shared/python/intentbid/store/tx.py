"""Transactions: every state change is one TransactWriteItems: the item(s), the audit entry, the outbox event.

A failed condition becomes :class:`ConditionFailed` carrying which items failed (by position), so services
turn it into the precise domain conflict. Nothing above the store sees PynamoDB's exceptions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from intentbid.domain.errors import ServiceUnavailable
from intentbid.store.base import connection, registered_models
from intentbid.store.models.audit import AuditModel
from intentbid.store.models.outbox import OutboxModel


class TransactionConflict(Exception):
    """DynamoDB cancelled the transaction because another one touched the same item at the same time.
    Nothing was written; the use case re-reads and decides again (:func:`intentbid.services.retry`)."""


class ConditionFailed(Exception):
    """A guarded write lost. ``failed`` lists the items whose condition failed as (logical table, key string):
    callers ask :meth:`failed_on` instead of relying on positions (PynamoDB reorders a transaction's items:
    condition checks, then deletes, puts, updates)."""

    def __init__(self, failed: list[tuple[str, str]]) -> None:
        super().__init__("transaction condition failed")
        self.failed = failed

    def failed_on(self, table: str, key: str | None = None) -> bool:
        return any(t == table and (key is None or k == key) for t, k in self.failed)


def _items_in_order(tx: TransactWrite) -> list[tuple[str, str]]:
    """(logical table, hash key value) per item, in the order PynamoDB sends them."""
    logical = {m.Meta.table_name: m.logical_name for m in registered_models()}  # type: ignore[attr-defined]
    out = []
    for group in (tx._condition_check_items, tx._delete_items, tx._put_items, tx._update_items):
        for item in group:
            key = item.get("Key") or item.get("Item") or {}
            first: dict[str, Any] = next(iter(key.values()), {}) if key else {}
            out.append((logical.get(item.get("TableName", ""), ""), str(next(iter(first.values()), ""))))
    return out


@contextmanager
def transaction(*records: Model) -> Iterator[TransactWrite]:
    """A write transaction; ``records`` (audit entries, outbox events) are appended after the caller's
    items, each guarded by ``attribute_not_exists`` so nothing is ever overwritten."""
    tx = TransactWrite(connection=connection())
    try:
        with tx:
            yield tx
            for record in records:
                if isinstance(record, AuditModel):
                    tx.save(record, condition=AuditModel.id.does_not_exist())
                elif isinstance(record, OutboxModel):
                    tx.save(record, condition=OutboxModel.id.does_not_exist())
                else:
                    raise TypeError(f"not a record type: {type(record).__name__}")
    except TransactWriteError as exc:
        if exc.cause_response_code == "TransactionCanceledException":
            reasons = [r.code if r else None for r in exc.cancellation_reasons]
            if any(r == "ConditionalCheckFailed" for r in reasons):
                items = _items_in_order(tx)
                failed = [item for item, r in zip(items, reasons, strict=False) if r == "ConditionalCheckFailed"]
                raise ConditionFailed(failed) from None
            if any(r == "TransactionConflict" for r in reasons):
                raise TransactionConflict() from None
            raise ServiceUnavailable("The write could not be completed; retry the request.") from None
        raise
