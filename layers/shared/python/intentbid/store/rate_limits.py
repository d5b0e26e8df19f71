"""Atomic window counters: one conditional UpdateItem per request (ADD n 1 if n < quota).

A key's request counts twice in that one UpdateItem: on its account's window item (``n``, the account-wide
budget per environment) and on the same item's ``k_<key_id>`` (the per-key budget); the condition admits it
only while both are under quota, so fresh keys never add budget and neither limit overshoots."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.constants import ALL_NEW
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action

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


@dataclass(frozen=True, slots=True)
class KeyHit:
    allowed: bool
    key_count: int
    account_count: int


def hit_key(account: str, key_id: str, key_policy: Policy, account_policy: Policy, now_s: float) -> KeyHit:
    """Count one request of ``key_id`` against both budgets (either policy may be disabled, not both; both
    share one window). Refused: the counts are unknown (0) - the caller reads :func:`counts` if it cares."""
    policy = key_policy if key_policy.enabled else account_policy
    window = policy.window_start(now_s)
    bucket = f"{account}:{window}"
    per_key = Path(f"k_{key_id}")
    actions: list[Action] = [RateLimitModel.expire_at.set(window + policy.window_s + 3600)]
    conditions: list[Condition] = []
    if key_policy.enabled:
        actions.append(per_key.add(1))
        conditions.append(per_key.does_not_exist() | (per_key < key_policy.quota))
    if account_policy.enabled:
        actions.append(RateLimitModel.n.add(1))
        conditions.append(RateLimitModel.n.does_not_exist() | (RateLimitModel.n < account_policy.quota))
    condition = conditions[0] if len(conditions) == 1 else conditions[0] & conditions[1]
    try:
        raw = RateLimitModel._get_connection().update_item(
            bucket, actions=actions, condition=condition, return_values=ALL_NEW
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return KeyHit(False, 0, 0)
        raise
    attrs = raw.get("Attributes", {})
    return KeyHit(True, int(attrs.get(f"k_{key_id}", {}).get("N", 0)), int(attrs.get("n", {}).get("N", 0)))


def counts(account: str, key_id: str, policy: Policy, now_s: float) -> tuple[int, int]:
    """(key count, account count) of the current window: read only to explain a refusal."""
    bucket = f"{account}:{policy.window_start(now_s)}"
    raw = RateLimitModel._get_connection().get_item(bucket, consistent_read=True)
    item = raw.get("Item") or {}
    return int(item.get(f"k_{key_id}", {}).get("N", 0)), int(item.get("n", {}).get("N", 0))
