"""Make moto's DynamoDB as atomic as DynamoDB under concurrent requests.

DynamoDB serialises writes per item, so a conditional write (``ADD n 1 IF n < 10``, ``status = OPEN``) is
check-and-set. moto evaluates the condition and then applies the update as two Python steps, so two threads can
both pass the check. The local runtime and the tests therefore serialise moto's DynamoDB actions behind one lock
(a stricter order than DynamoDB's per-item one, never a looser one). Idempotent: installing twice is harmless.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.RLock()


def install() -> None:
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action
    if getattr(original, "_intentbid_atomic", False):
        return

    def call_action(self: Any) -> Any:
        with _lock:
            return original(self)

    call_action._intentbid_atomic = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
