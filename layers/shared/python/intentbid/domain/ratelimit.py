"""Per-key and per-IP rate limits: fixed windows counted atomically in DynamoDB (no overshoot under
concurrency: the counter's conditional ADD admits exactly ``quota`` requests per window).

Policies per principal kind come from the environment (``INTENTBID_RATE_LIMIT_<KIND>=<quota>/<window_s>``,
e.g. ``120/60``; ``0`` disables), and per account and environment, shared by all its keys
(``INTENTBID_RATE_LIMIT_<KIND>_ACCOUNT``, same window as the kind's per-key policy), so fresh keys never add
budget. Headers follow the IETF draft: ``RateLimit-Policy: "default";q=120;w=60``
and ``RateLimit: "default";r=87;t=31``; a 429 adds ``Retry-After``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    quota: int
    window_s: int

    @property
    def enabled(self) -> bool:
        return self.quota > 0 and self.window_s > 0

    def window_start(self, now_s: float) -> int:
        return int(now_s // self.window_s) * self.window_s

    def reset_in(self, now_s: float) -> int:
        return max(1, math.ceil(self.window_start(now_s) + self.window_s - now_s))

    def policy_header(self) -> str:
        return f'"{self.name}";q={self.quota};w={self.window_s}'

    def headers(self, remaining: int, now_s: float) -> dict[str, str]:
        return {
            "RateLimit-Policy": self.policy_header(),
            "RateLimit": f'"{self.name}";r={max(0, remaining)};t={self.reset_in(now_s)}',
        }


DEFAULTS = {
    "vendor": "120/60",
    "buyer": "120/60",
    "admin": "600/60",
    "vendor_account": "240/60",
    "buyer_account": "240/60",
    "admin_account": "1200/60",
    "register": "10/3600",
    "public": "60/60",
}


def parse(spec: str, name: str) -> Policy:
    spec = spec.strip()
    if spec == "0":
        return Policy(name, 0, 0)
    try:
        quota_s, window_s = spec.split("/")
        policy = Policy(name, int(quota_s), int(window_s))
    except ValueError:
        raise ValueError(f"INTENTBID_RATE_LIMIT_{name.upper()} must look like '120/60' (quota/window_s)") from None
    if policy.quota < 0 or policy.window_s <= 0:
        raise ValueError(f"INTENTBID_RATE_LIMIT_{name.upper()} must be positive")
    return policy


def policy_for(name: str) -> Policy:
    """The policy for a principal kind, or for ``register`` / ``public`` (per source IP)."""
    return parse(
        os.environ.get(f"INTENTBID_RATE_LIMIT_{name.upper()}", DEFAULTS.get(name, "120/60")),
        "default" if name in ("vendor", "buyer", "admin") else name,
    )


def account_policy_for(kind: str) -> Policy:
    """The account-wide policy of a principal kind (per account and environment, over all its keys). It shares
    the per-key policy's window (both are counted on one item), else ``ValueError`` naming the variable."""
    name = f"{kind}_account"
    policy = parse(os.environ.get(f"INTENTBID_RATE_LIMIT_{name.upper()}", DEFAULTS.get(name, "0")), name)
    per_key = policy_for(kind)
    if policy.enabled and per_key.enabled and policy.window_s != per_key.window_s:
        raise ValueError(
            f"INTENTBID_RATE_LIMIT_{name.upper()} must use the window of INTENTBID_RATE_LIMIT_{kind.upper()} "
            f"({per_key.window_s} s), got {policy.window_s} s"
        )
    return Policy("account", policy.quota, policy.window_s)


def tighter(a: Policy, a_remaining: int, b: Policy, b_remaining: int) -> tuple[Policy, int]:
    """Of two enabled policies, the one with fewer requests left (the per-key one on a tie)."""
    return (a, a_remaining) if a_remaining <= b_remaining else (b, b_remaining)
