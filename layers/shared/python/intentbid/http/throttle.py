"""The rate-limit step of the middleware: per key for authenticated routes, per source IP for registration
and the public RFO view. One conditional UpdateItem per request; ``last_used_at`` is written only on a key's
first request of each window (so at most once a minute per key, never on most requests)."""

from __future__ import annotations

from intentbid import observability as obs
from intentbid.domain import clock
from intentbid.domain.errors import TooManyRequests
from intentbid.domain.principal import Principal
from intentbid.domain.ratelimit import policy_for
from intentbid.routes import Route


def enforce(route: Route, principal: Principal | None, source_ip: str) -> dict[str, str]:
    """Count this request; return the RateLimit headers, or raise 429 ``rate_limited``."""
    if principal is not None:
        policy, subject = policy_for(principal.kind), f"key:{principal.key_id}"
    elif route.ip_rate:
        policy, subject = policy_for(route.ip_rate), f"ip:{source_ip or 'unknown'}"
    else:
        return {}
    if not policy.enabled:
        return {}
    from intentbid.store import rate_limits  # here, not at import: public routes never load PynamoDB

    now_s = clock.now_s()
    hit = rate_limits.hit(subject, policy, now_s)
    headers = policy.headers(hit.remaining, now_s)
    if not hit.allowed:
        obs.count("RateLimited")
        raise TooManyRequests(
            f"Rate limit of {policy.quota} requests per {policy.window_s} s exceeded.",
            retry_after=policy.reset_in(now_s),
            headers=headers,
        )
    if hit.first_in_window and principal is not None:
        from intentbid.store import api_keys

        api_keys.touch(principal.id, principal.key_id, clock.now())
    return headers
