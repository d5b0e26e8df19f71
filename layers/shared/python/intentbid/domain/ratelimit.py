"""Per-key and per-IP rate limits: fixed windows counted atomically in DynamoDB (no overshoot under
concurrency: the counter's conditional ADD admits exactly ``quota`` requests per window).

Policies per principal kind come from the settings (``INTENTBID_RATE_LIMIT_<KIND>=<quota>/<window_s>``,
e.g. ``120/60``; ``0`` disables), and per account and environment, shared by all its keys
(``INTENTBID_RATE_LIMIT_<KIND>_ACCOUNT``, same window as the kind's per-key policy), so fresh keys never add
budget; the caller passes :class:`intentbid.config.RateLimits` in (parsed and validated at cold start).
Headers follow the IETF draft: ``RateLimit-Policy: "default";q=120;w=60`` and ``RateLimit: "default";r=87;t=31``;
a 429 adds ``Retry-After``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from intentbid.config import Rate, RateLimits


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


KINDS = ("vendor", "buyer", "admin")  # per-key policies are labelled "default"; per-IP ones by their name


def policy_for(name: str, limits: RateLimits) -> Policy:
    """The per-key policy of a principal kind, or ``register`` / ``public`` (per source IP)."""
    rate: Rate = getattr(limits, f"rate_limit_{name}")
    return Policy("default" if name in KINDS else name, rate.quota, rate.window_s)


def account_policy_for(kind: str, limits: RateLimits) -> Policy:
    """The account-wide policy of a principal kind (per account and environment, over all its keys). It shares
    the per-key policy's window (both are counted on one item; the settings refuse anything else)."""
    rate: Rate = getattr(limits, f"rate_limit_{kind}_account")
    return Policy("account", rate.quota, rate.window_s)


def tighter(a: Policy, a_remaining: int, b: Policy, b_remaining: int) -> tuple[Policy, int]:
    """Of two enabled policies, the one with fewer requests left (the per-key one on a tie)."""
    return (a, a_remaining) if a_remaining <= b_remaining else (b, b_remaining)
