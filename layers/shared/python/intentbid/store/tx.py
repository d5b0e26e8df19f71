"""Transactions: every state change is one TransactWriteItems: the item(s), the audit entry, the outbox event.

A failed condition becomes :class:`ConditionFailed` carrying which items failed (by position), so services
turn it into the precise domain conflict. Nothing above the store sees PynamoDB's exceptions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from intentbid.domain.errors import ServiceUnavailable
from intentbid.store.base import connection
from intentbid.store.models.audit import AuditModel
from intentbid.store.models.outbox import OutboxModel


class TransactionConflict(Exception):
    """DynamoDB cancelled the transaction because another one touched the same item at the same time.
    Nothing was written; the use case re-reads and decides again (:func:`intentbid.services.retry`)."""


class ConditionFailed(Exception):
    """A guarded write lost: ``failed[i]`` is the cancellation code of item ``i`` (or ``None``)."""

    def __init__(self, failed: list[str | None]) -> None:
        super().__init__("transaction condition failed")
        self.failed = failed

    def item_failed(self, index: int) -> bool:
        return index < len(self.failed) and self.failed[index] == "ConditionalCheckFailed"


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
                raise ConditionFailed(reasons) from None
            if any(r == "TransactionConflict" for r in reasons):
                raise TransactionConflict() from None
            raise ServiceUnavailable("The write could not be completed; retry the request.") from None
        raise
