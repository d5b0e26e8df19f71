"""API Gateway's own errors as gateway response templates, rendered from the one table both the stack and the
local gateway read (:mod:`intentbid.http.gateway_errors`).

Gateway response templates get ``$context`` substitution but no VTL, so every value is either literal or a
context variable: ``instance`` is the request id, ``detail`` of the ``own_message`` rows is API Gateway's own
message, and the 403's ``code`` is ``deny_code`` from the authorizer's context. Statuses are set explicitly, so
a body's ``status`` always equals the HTTP status.

A method a resource does not declare is no gateway error in API Gateway (it would be
``MISSING_AUTHENTICATION_TOKEN``, a 404): :data:`METHOD_NOT_ALLOWED` is the body of the ``ANY`` method each
resource gets (a MOCK integration, see ``intentbid_infra.api``), which answers 405 with ``Allow``.
"""

from __future__ import annotations

import json

from intentbid.http.gateway_errors import DENY_CODE, GATEWAY_PROBLEMS, METHOD_NOT_ALLOWED, GatewayProblem
from intentbid.http.problem import PROBLEM_JSON, type_uri

__all__ = ["GATEWAY_PROBLEMS", "METHOD_NOT_ALLOWED", "body", "response_headers"]

REQUEST_ID = "$context.requestId"
# The stack serves the execute-api URL, whose paths carry the stage: the catalog is at /<stage>/errors/<code>.
BASE = "/$context.stage"
GATEWAY_MESSAGE = "$context.error.messageString"  # already a quoted JSON string
AUTHORIZER_DENY_CODE = "$context.authorizer.deny_code"
_RAW = "__raw__"


def body(problem: GatewayProblem) -> str:
    code = AUTHORIZER_DENY_CODE if problem.code == DENY_CODE else problem.code
    doc = {
        "type": type_uri(code, BASE),
        "title": problem.title,
        "status": problem.status,
        "detail": _RAW if problem.own_message else problem.detail,
        "instance": REQUEST_ID,
        "code": code,
        "retryable": problem.retryable,
    }
    return json.dumps(doc, separators=(",", ":")).replace(f'"{_RAW}"', GATEWAY_MESSAGE)


def response_headers(problem: GatewayProblem) -> dict[str, str]:
    return {
        "Content-Type": f"'{PROBLEM_JSON}'",
        "X-Request-Id": "context.requestId",
        **{k: f"'{v}'" for k, v in problem.headers.items()},
    }
