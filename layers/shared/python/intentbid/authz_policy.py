"""IAM policies for the REQUEST authorizer, decided from the route table.

The policy names exactly the request's own ``methodArn``: Allow when the route table lets this principal call
this route, else Deny. Why not one policy listing every allowed route: in execute-api ARNs ``*`` matches
across ``/``, so ``GET/v1/rfos/*`` (rfo_get) would also grant ``GET/v1/rfos/x/ranking`` to a vendor. With
authorizer caching off (TTL 0, for immediate revocation) a per-request policy is exact; were caching ever
turned on, it fails closed (other routes are simply not in the cached policy).
"""

from __future__ import annotations

import fnmatch
from typing import Any

from intentbid.routes import ROUTES, Route


def allowed_routes(kind: str, scopes: frozenset[str]) -> list[Route]:
    """Every non-public route a principal may call (for docs, tests and the access matrix)."""
    return [r for r in ROUTES if not r.public and r.allows(kind, scopes)]


def build_policy(principal_id: str, method_arn: str, allow: bool, context: dict[str, str]) -> dict[str, Any]:
    return {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow" if allow else "Deny", "Resource": [method_arn]},
            ],
        },
        "context": context,
    }


def evaluate(policy: dict[str, Any], method_arn: str) -> bool:
    """IAM evaluation as API Gateway does it: an explicit Deny wins, else some Allow must match
    (``*`` matches any run of characters, ``/`` included)."""
    allowed = False
    for st in policy.get("policyDocument", {}).get("Statement", []):
        resources = st.get("Resource", [])
        if isinstance(resources, str):
            resources = [resources]
        if any(fnmatch.fnmatchcase(method_arn, r) for r in resources):
            if st.get("Effect") == "Deny":
                return False
            if st.get("Effect") == "Allow":
                allowed = True
    return allowed
