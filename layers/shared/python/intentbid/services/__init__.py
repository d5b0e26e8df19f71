"""Use cases: one function per thing a principal can do. They take a Principal and validated input, apply
the domain rules, call the store, and return response models. No HTTP, no botocore here."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from intentbid.domain.errors import ServiceUnavailable

P = ParamSpec("P")
R = TypeVar("R")


def retry_on_conflict(attempts: int = 4) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Re-run a use case when DynamoDB cancels its transaction for a *concurrent* transaction on the same
    item (nothing was written). The rerun re-reads, so the loser of a race gets the precise 409."""
    from intentbid.store.port import TransactionConflict  # lazy: the store imports this package's modules

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            for attempt in range(attempts):
                try:
                    return fn(*args, **kwargs)
                except TransactionConflict:
                    time.sleep(random.uniform(0.005, 0.03) * (attempt + 1))  # noqa: S311 - jitter, not crypto
            raise ServiceUnavailable("Too many concurrent changes to this object; retry shortly.", retry_after=1)

        return run

    return decorate
