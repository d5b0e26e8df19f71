"""Make moto's DynamoDB as atomic and isolated as DynamoDB under concurrent requests.

1. DynamoDB serialises writes per item, so a conditional write (``ADD n 1 IF n < 10``, ``status = OPEN``) is
   check-and-set. moto evaluates the condition and then applies the update as two Python steps, so two threads
   can both pass the check: every moto DynamoDB action runs behind one lock here (a stricter order than
   DynamoDB's per item, never a looser one).
2. moto's ``TransactWriteItems`` deep-copies every table it touches and, when a condition fails, swaps the copies
   back in: slow (proportional to table size) and it strands DynamoDB-stream readers on the discarded table, so
   one refused transaction can stall the outbox. Here a transaction checks every condition first and writes
   only if all hold — nothing to roll back, as in DynamoDB.

Installing twice is harmless. Used by the local runtime and by the tests (never in AWS).
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.RLock()


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    seen: set[tuple[str, str]] = set()
    planned: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    errors: list[Any] = []
    for item in transact_items:
        if len(item) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(item.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise ValueError("Unsupported transaction operation")
        key = _key_of(self.get_table(op["TableName"]), op_type, op)
        ident = (str(op["TableName"]), str(dict(sorted(key.items()))))
        if ident in seen:
            raise MultipleTransactionsException()
        seen.add(ident)
        condition = op.get("ConditionExpression")
        failed = False
        if condition is not None:
            current = self.get_item(op["TableName"], key)
            expr = get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            )
            failed = not expr.expr(current)
        errors.append(
            ("ConditionalCheckFailed", "The conditional request failed", None) if failed else (None, None, None)
        )
        planned.append((op_type, op, key))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)  # nothing was written
    _apply(self, planned)


def _key_of(table: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def _apply(self: Any, planned: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
    for op_type, op, key in planned:  # every condition held: apply, without re-checking
        names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        if op_type == "Put":
            self.put_item(
                op["TableName"], op["Item"], expression_attribute_names=names, expression_attribute_values=values
            )
        elif op_type == "Delete":
            self.delete_item(op["TableName"], key, expression_attribute_names=names, expression_attribute_values=values)
        elif op_type == "Update":
            self.update_item(
                op["TableName"],
                key,
                update_expression=op["UpdateExpression"],
                expression_attribute_names=names,
                expression_attribute_values=values,
            )


def install() -> None:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action
    if getattr(original, "_intentbid_atomic", False):
        return

    def call_action(self: Any) -> Any:
        with _lock:
            return original(self)

    call_action._intentbid_atomic = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
