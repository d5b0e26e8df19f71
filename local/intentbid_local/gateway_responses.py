"""API Gateway's own responses (auth failures, unknown paths, errors) as the local gateway answers them: the
rows of the table the CDK stack renders too (:mod:`intentbid.http.gateway_errors`), with this request's values
where AWS substitutes ``$context`` variables."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from intentbid.http.gateway_errors import DENY_CODE, GatewayProblem


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


def problem(
    row: GatewayProblem,
    request_id: str,
    *,
    deny_code: str = "forbidden",
    detail: str | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    """``row`` as problem+json: ``deny_code`` fills the 403's code (the authorizer's context), ``detail`` stands
    in for API Gateway's own message on the rows that use it."""
    from intentbid.http.problem import PROBLEM_JSON, problem_body

    code = deny_code if row.code == DENY_CODE else row.code
    text = detail if detail is not None and row.own_message else row.detail
    body = problem_body(row.status, code, row.title, text, request_id, retryable=row.retryable)
    out = [("Content-Type", PROBLEM_JSON), *row.headers.items(), *(headers or [])]
    return HttpResponse(row.status, out, json.dumps(body).encode("utf-8"))
