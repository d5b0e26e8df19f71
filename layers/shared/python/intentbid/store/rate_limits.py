"""Atomic window counters: one conditional UpdateItem per request (ADD n 1 if n < quota)."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import UpdateError

from intentbid.domain.ratelimit import Policy
from intentbid.store.models.rate_limits import RateLimitModel


@dataclass(frozen=True, slots=True)
class Hit:
    allowed: bool
    count: int
    remaining: int

    @property
    def first_in_window(self) -> bool:
        return self.allowed and self.count == 1


def hit(subject: str, policy: Policy, now_s: float) -> Hit:
    window = policy.window_start(now_s)
    item = RateLimitModel(f"{subject}:{policy.name}:{window}")
    try:
        item.update(
            actions=[RateLimitModel.n.add(1), RateLimitModel.expire_at.set(window + policy.window_s + 3600)],
            condition=RateLimitModel.n.does_not_exist() | (RateLimitModel.n < policy.quota),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return Hit(False, policy.quota, 0)
        raise
    count = int(item.n)
    return Hit(True, count, policy.quota - count)
