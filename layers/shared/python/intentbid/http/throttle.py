"""The rate-limit step of the middleware: per key and per account (and environment) for authenticated routes,
per source IP for registration and the public RFO view. One conditional UpdateItem per request - a key's two
budgets live on one item (:func:`intentbid.store.rate_limits.hit_key`); a refusal reads that item once more
to say which budget ran out. ``last_used_at`` is written only on a key's first request of each window (so at
most once a minute per key, never on most requests)."""

from __future__ import annotations

from intentbid import config
from intentbid import observability as obs
from intentbid.domain import clock
from intentbid.domain.errors import TooManyRequests
from intentbid.domain.principal import Principal
from intentbid.domain.ratelimit import Policy, account_policy_for, policy_for, tighter
from intentbid.routes import Route


def _refuse(policy: Policy, now_s: float, scope: str) -> TooManyRequests:
    obs.count("RateLimited")
    return TooManyRequests(
        f"Rate limit of {policy.quota} requests per {policy.window_s} s {scope} exceeded.",
        retry_after=policy.reset_in(now_s),
        headers=policy.headers(0, now_s),
    )


def _enforce_key(principal: Principal) -> dict[str, str]:
    from intentbid.store import rate_limits  # here, not at import: public routes never load PynamoDB

    limits = config.settings().rate_limits
    per_key, per_account = policy_for(principal.kind, limits), account_policy_for(principal.kind, limits)
    if not per_key.enabled and not per_account.enabled:
        return {}
    now_s = clock.now_s()
    account = f"acct:{principal.id}:{principal.environment}"
    hit = rate_limits.hit_key(account, principal.key_id, per_key, per_account, now_s)
    if not hit.allowed:
        window = per_key if per_key.enabled else per_account
        key_n, _ = rate_limits.counts(account, principal.key_id, window, now_s)
        if per_key.enabled and key_n >= per_key.quota:
            raise _refuse(per_key, now_s, "per key")
        raise _refuse(per_account, now_s, "per account (all its keys together)")
    if not per_account.enabled:
        policy, remaining = per_key, per_key.quota - hit.key_count
    elif not per_key.enabled:
        policy, remaining = per_account, per_account.quota - hit.account_count
    else:
        policy, remaining = tighter(
            per_key, per_key.quota - hit.key_count, per_account, per_account.quota - hit.account_count
        )
    if hit.key_count == 1:  # the key's first request in this window (0 when the per-key budget is off)
        from intentbid.store import api_keys

        api_keys.touch(principal.id, principal.key_id, clock.now())
    return policy.headers(remaining, now_s)


def enforce(route: Route, principal: Principal | None, source_ip: str) -> dict[str, str]:
    """Count this request; return the RateLimit headers (of the tighter budget), or raise 429 ``rate_limited``."""
    if principal is not None:
        return _enforce_key(principal)
    if not route.ip_rate:
        return {}
    policy = policy_for(route.ip_rate, config.settings().rate_limits)
    if not policy.enabled:
        return {}
    from intentbid.store import rate_limits

    now_s = clock.now_s()
    hit = rate_limits.hit(f"ip:{source_ip or 'unknown'}", policy, now_s)
    if not hit.allowed:
        raise _refuse(policy, now_s, "per source IP")
    return policy.headers(hit.remaining, now_s)
