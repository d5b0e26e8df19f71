"""IAM policies for the REQUEST authorizer, generated from the route table (never listed by hand).

API Gateway evaluates the returned policy against the request's ``methodArn``. We allow exactly the routes the
principal's kind and scopes permit, so a missing scope is denied by API Gateway itself (403) before any
endpoint runs; the endpoint re-checks (defence in depth).
"""

from __future__ import annotations

import fnmatch
from typing import Any

from intentbid.routes import ROUTES, Route, arn_path


def api_arn_base(method_arn: str) -> str:
    """``arn:aws:execute-api:<region>:<acct>:<api>/<stage>`` from a method ARN."""
    arn, _, rest = method_arn.partition("/")
    stage = rest.split("/", 1)[0] if rest else "*"
    return f"{arn}/{stage}"


def route_arn(base: str, route: Route) -> str:
    return f"{base}/{route.method}{arn_path(route.path)}"


def allowed_routes(kind: str, scopes: frozenset[str]) -> list[Route]:
    return [r for r in ROUTES if not r.public and r.allows(kind, scopes)]


def build_policy(
    principal_id: str, method_arn: str, routes: list[Route] | None, context: dict[str, str]
) -> dict[str, Any]:
    """Allow ``routes`` (``None`` = every route of the API, used to hand auth errors to the endpoint)."""
    base = api_arn_base(method_arn)
    resources = [f"{base}/*"] if routes is None else sorted({route_arn(base, r) for r in routes})
    statement: list[dict[str, Any]] = []
    if resources:
        statement.append({"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": resources})
    else:
        statement.append({"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": [f"{base}/*"]})
    return {
        "principalId": principal_id,
        "policyDocument": {"Version": "2012-10-17", "Statement": statement},
        "context": context,
    }


def deny_all(principal_id: str, method_arn: str, context: dict[str, str]) -> dict[str, Any]:
    base = api_arn_base(method_arn)
    return {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": [f"{base}/*"]}],
        },
        "context": context,
    }


def evaluate(policy: dict[str, Any], method_arn: str) -> bool:
    """IAM evaluation as API Gateway does it: an explicit Deny wins, else some Allow must match."""
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
