"""Transactions: every state change is one TransactWriteItems (item(s) + outbox event [+ audit]).

A failed condition becomes :class:`ConditionFailed` carrying which items failed (by position), so services
turn it into the precise domain conflict. Nothing above the store sees PynamoDB's exceptions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from intentbid.domain.errors import ServiceUnavailable
from intentbid.store.base import connection


class ConditionFailed(Exception):
    """A guarded write lost: ``failed[i]`` is the cancellation code of item ``i`` (or ``None``)."""

    def __init__(self, failed: list[str | None]) -> None:
        super().__init__("transaction condition failed")
        self.failed = failed

    def item_failed(self, index: int) -> bool:
        return index < len(self.failed) and self.failed[index] == "ConditionalCheckFailed"


@contextmanager
def transaction() -> Iterator[TransactWrite]:
    tx = TransactWrite(connection=connection())
    try:
        with tx:
            yield tx
    except TransactWriteError as exc:
        if exc.cause_response_code == "TransactionCanceledException":
            reasons = [r.code if r else None for r in exc.cancellation_reasons]
            if any(r == "ConditionalCheckFailed" for r in reasons):
                raise ConditionFailed(reasons) from None
            raise ServiceUnavailable("A concurrent update collided; retry the request.") from None
        raise
