"""Transactions: every state change is one TransactWriteItems: the item(s), the audit entry, the outbox event.

A failed condition becomes :class:`ConditionFailed` carrying which items failed (by table and key), so services
turn it into the precise domain conflict. Nothing above the store sees PynamoDB's exceptions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from intentbid.domain.errors import ServiceUnavailable
from intentbid.store import audit, outbox
from intentbid.store.base import connection
from intentbid.store.models.audit import AuditModel
from intentbid.store.models.outbox import OutboxModel
from intentbid.store.port import Change, ConditionFailed, TransactionConflict

__all__ = ["ConditionFailed", "TransactionConflict", "Tx", "records_of", "transaction"]

# DynamoDB reports cancellation reasons in the order of the request's items; PynamoDB sends a transaction's
# items grouped by operation in this order, whatever order they were added in.
_SENT_ORDER = ("condition_check", "delete", "put", "update")


def _hash_key(model_cls: type[Model], model: Model) -> str:
    for name, attr in model_cls.get_attributes().items():
        if attr.is_hash_key:
            return str(getattr(model, name))
    return ""


class Tx:
    """A write transaction that remembers (logical table, hash key) of each item it adds, so a cancellation's
    reasons can be matched to the items without reading PynamoDB's internals."""

    def __init__(self, inner: TransactWrite) -> None:
        self._inner = inner
        self._items: dict[str, list[tuple[str, str]]] = {op: [] for op in _SENT_ORDER}

    def _note(self, op: str, model_cls: type[Model], key: str) -> None:
        self._items[op].append((getattr(model_cls, "logical_name", ""), key))

    def condition_check(
        self, model_cls: type[Model], hash_key: Any, range_key: Any = None, *, condition: Condition
    ) -> None:
        self._inner.condition_check(model_cls, hash_key, range_key, condition=condition)
        self._note("condition_check", model_cls, str(hash_key))

    def save(self, model: Model, condition: Condition | None = None) -> None:
        self._inner.save(model, condition=condition)
        self._note("put", type(model), _hash_key(type(model), model))

    def update(
        self,
        model: Model,
        actions: list[Action],
        condition: Condition | None = None,
        *,
        add_version_condition: bool = True,
    ) -> None:
        self._inner.update(model, actions, condition=condition, add_version_condition=add_version_condition)
        self._note("update", type(model), _hash_key(type(model), model))

    def items_in_order(self) -> list[tuple[str, str]]:
        """(logical table, hash key value) per item, in the order PynamoDB sends them."""
        return [item for op in _SENT_ORDER for item in self._items[op]]


def records_of(change: Change) -> tuple[Model, ...]:
    """The audit entry and (when the change names an event) the outbox event a change expands to."""
    t = change.target
    entry = audit.entry(
        change.actor,
        action=change.action,
        target_id=t.id,
        target_type=t.type,
        environment=t.environment,
        now=change.at,
        from_status=change.from_status,
        to_status=change.to_status,
        reason=change.reason,
        payload=dict(change.data),
    )
    if change.event is None:
        return (entry,)
    data = change.event_data if change.event_data is not None else change.data
    return entry, outbox.event(change.event, change.event_subject or t.id, t.environment, dict(data), change.at)


@contextmanager
def transaction(*records: Change | OutboxModel) -> Iterator[Tx]:
    """A write transaction; ``records`` (changes, each expanded to its audit entry and outbox event, or a bare
    outbox event for what no actor did, e.g. a flag) are appended after the caller's items, each guarded by
    ``attribute_not_exists`` so nothing is ever overwritten."""
    inner = TransactWrite(connection=connection())
    tx = Tx(inner)
    try:
        with inner:
            yield tx
            for item in records:
                for record in records_of(item) if isinstance(item, Change) else (item,):
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
                items = tx.items_in_order()
                failed = [item for item, r in zip(items, reasons, strict=False) if r == "ConditionalCheckFailed"]
                raise ConditionFailed(failed) from None
            if any(r == "TransactionConflict" for r in reasons):
                raise TransactionConflict() from None
            raise ServiceUnavailable("The write could not be completed; retry the request.", retry_after=1) from None
        raise
