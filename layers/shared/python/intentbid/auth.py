"""The authorizer's decision: API key -> principal -> IAM policy + context. Lean by design: it imports only
the route table and the key crypto; its handler reads the key with one botocore GetItem
(:mod:`intentbid.store.key_lookup`, no PynamoDB). Cold start is money.

Decisions (written down in the README, "Authentication"):
- No result caching (TTL 0): revocation takes effect on the very next request.
- Unknown, missing or malformed key -> ``Unauthorized`` (API Gateway answers 401 ``unauthenticated``).
- Revoked or expired key -> the endpoint is allowed to run with ``auth_error`` in the context, and its
  middleware answers 401 ``key_revoked``/``key_expired``: API Gateway's own 401 cannot carry a code.
- Key guessing: after ``INTENTBID_AUTH_FAILURES_PER_MINUTE`` unknown keys from one source IP, that IP is shed
  until the minute ends: the endpoint is allowed to run with ``auth_error=too_many_failed_keys`` (and
  ``retry_after``) and answers 429 with ``Retry-After``, without a table lookup. A key this instance verified in
  the last ``VERIFIED_TTL_S`` is still looked up and served (an office behind one NAT keeps working).
- Valid key -> Allow this request's method ARN iff the route table lets its kind and scopes call the route
  (see :mod:`intentbid.authz_policy` for why the policy is per request); ``deny_code`` in the context tells the 403
  gateway response why a denied request was denied (``forbidden`` / ``insufficient_scope``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from intentbid import config
from intentbid.authz_policy import build_policy
from intentbid.domain import cidr, clock, keys
from intentbid.routes import match

VERIFIED_TTL_S = 900.0  # how long a key this instance verified stays exempt from shedding
SHED = "too_many_failed_keys"


class FailureShed:
    """Sheds key guessing: after ``limit`` unknown keys from one source IP in a minute, further requests from
    that IP are answered 429 ``too_many_failed_keys`` without a table lookup until the minute ends, except with
    a key this instance verified recently (remembered by hash, bounded). In memory, per authorizer instance: no
    read or write on the hot path. (A WAF rate-based rule is the fleet-wide layer in AWS; see README.)"""

    def __init__(self, limit: int, max_ips: int = 10_000, max_verified: int = 10_000) -> None:
        self.limit, self.max_ips, self.max_verified = limit, max_ips, max_verified
        self._counts: dict[str, tuple[int, int]] = {}
        self._verified: dict[str, float] = {}  # key hash -> last verified (epoch s), insertion-ordered

    def shedding(self, ip: str, now_s: float) -> bool:
        window, n = self._counts.get(ip, (0, 0))
        return self.limit > 0 and window == int(now_s // 60) and n >= self.limit

    @staticmethod
    def retry_after(now_s: float) -> int:
        """Seconds until the shedding minute ends (at least 1)."""
        return max(1, 60 - int(now_s % 60))

    def verified(self, key_hash: str, now_s: float) -> None:
        self._verified.pop(key_hash, None)
        self._verified[key_hash] = now_s
        if len(self._verified) > self.max_verified:  # the least recently verified goes first
            del self._verified[next(iter(self._verified))]

    def recently_verified(self, key_hash: str, now_s: float) -> bool:
        seen = self._verified.get(key_hash)
        return seen is not None and now_s - seen <= VERIFIED_TTL_S

    def failed(self, ip: str, now_s: float) -> None:
        minute = int(now_s // 60)
        window, n = self._counts.get(ip, (minute, 0))
        self._counts[ip] = (minute, n + 1 if window == minute else 1)
        if len(self._counts) > self.max_ips:  # forget past minutes first
            self._counts = {k: v for k, v in self._counts.items() if v[0] == minute}


shed = FailureShed(config.cold_start().auth.auth_failures_per_minute)  # the authorizer's cold start


class Unauthorized(Exception):
    """Raised with the exact message ``Unauthorized``: API Gateway's contract for a 401."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def bearer_token(headers: dict[str, str] | None) -> str | None:
    for k, v in (headers or {}).items():
        if k.lower() == "authorization" and isinstance(v, str):
            scheme, _, token = v.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


def _request_route(event: dict[str, Any]) -> tuple[str, str]:
    method = event.get("httpMethod") or ""
    path = event.get("path") or ""
    return method, path


def authorize(event: dict[str, Any], lookup: Any) -> dict[str, Any]:
    """Decide on one REQUEST authorizer event. ``lookup(key_hash)`` returns the key record or ``None``."""
    source_ip = str(((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp") or "")
    now_s = clock.now_s()
    token = bearer_token(event.get("headers"))
    key_hash = keys.hash_key(token) if token is not None and keys.environment_of(token) is not None else None
    if shed.shedding(source_ip, now_s) and not (key_hash is not None and shed.recently_verified(key_hash, now_s)):
        # The endpoint answers 429 with Retry-After (an authorizer can only say 401 or 403 itself).
        context = {"auth_error": SHED, "retry_after": str(shed.retry_after(now_s))}
        return build_policy("anonymous", event["methodArn"], True, context)
    if key_hash is None:
        raise Unauthorized()  # never reaches the table: nothing to shed
    record = lookup(key_hash)  # by hash: no secret is compared, no secret-dependent branch
    if record is None:
        shed.failed(source_ip, now_s)
        raise Unauthorized()
    scopes = frozenset(record.scopes or [])
    context = {
        "principal_kind": record.owner_kind,
        "principal_id": record.owner_id,
        "key_id": record.key_id,
        "scopes": " ".join(sorted(scopes)),
        "environment": record.environment,
    }
    method_arn = event["methodArn"]
    now: datetime = clock.now()
    auth_error = None
    if record.status == "revoked":
        auth_error = "key_revoked"
    elif record.expires_at is not None and record.expires_at <= now:
        auth_error = "key_expired"
    if auth_error:
        return build_policy(record.owner_id, method_arn, True, {**context, "auth_error": auth_error})
    shed.verified(key_hash, now_s)
    if not cidr.allows(record.ip_allowlist or [], source_ip):  # the gateway's source IP only, never XFF
        return build_policy(record.owner_id, method_arn, False, {**context, "deny_code": "ip_not_allowed"})
    route, _, _ = match(*_request_route(event))
    allow = route is not None and route.allows(record.owner_kind, scopes)
    if not allow:
        context["deny_code"] = (
            "forbidden" if route is None or record.owner_kind not in route.kinds else "insufficient_scope"
        )
    return build_policy(record.owner_id, method_arn, allow, context)
