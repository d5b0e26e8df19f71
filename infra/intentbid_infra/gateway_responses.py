"""API Gateway's own errors as RFC 9457 problem+json, shaped like the endpoints' (``intentbid.http.problem``).

Gateway response templates get ``$context`` substitution but no VTL, so every value is either literal or a
context variable: ``instance`` is the request id, ``detail`` of the catch-alls is API Gateway's own message,
and the 403's ``code`` is ``deny_code`` from the authorizer's context (``forbidden``, ``insufficient_scope``,
``ip_not_allowed``). Statuses are set explicitly, so a body's ``status`` always equals the HTTP status.

A method a resource does not declare is no gateway error in API Gateway (it would be
``MISSING_AUTHENTICATION_TOKEN``, a 404): :data:`METHOD_NOT_ALLOWED` is the body of the ``ANY`` method each
resource gets (a MOCK integration, see ``intentbid_infra.api``), which answers 405 with ``Allow``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from intentbid.http.problem import PROBLEM_JSON, type_uri

REQUEST_ID = "$context.requestId"
# The stack serves the execute-api URL, whose paths carry the stage: the catalog is at /<stage>/errors/<code>.
BASE = "/$context.stage"
GATEWAY_MESSAGE = "$context.error.messageString"  # already a quoted JSON string
DENY_CODE = "$context.authorizer.deny_code"
_RAW = "__raw__"


@dataclass(frozen=True)
class GatewayProblem:
    response_type: str  # apigateway.ResponseType name
    status: int
    code: str
    title: str
    detail: str = GATEWAY_MESSAGE
    retryable: bool = False
    headers: dict[str, str] = field(default_factory=dict)  # extra headers, as static values

    def body(self) -> str:
        doc = {
            "type": type_uri(self.code, BASE),
            "title": self.title,
            "status": self.status,
            "detail": _RAW if self.detail == GATEWAY_MESSAGE else self.detail,
            "instance": REQUEST_ID,
            "code": self.code,
            "retryable": self.retryable,
        }
        return json.dumps(doc, separators=(",", ":")).replace(f'"{_RAW}"', GATEWAY_MESSAGE)

    def response_headers(self) -> dict[str, str]:
        return {
            "Content-Type": f"'{PROBLEM_JSON}'",
            "X-Request-Id": "context.requestId",
            **{k: f"'{v}'" for k, v in self.headers.items()},
        }


GATEWAY_PROBLEMS: tuple[GatewayProblem, ...] = (
    GatewayProblem(
        "UNAUTHORIZED",
        401,
        "unauthenticated",
        "Authentication required",
        "Send a valid API key as 'Authorization: Bearer <key>'.",
        headers={"WWW-Authenticate": "Bearer"},
    ),
    GatewayProblem("ACCESS_DENIED", 403, DENY_CODE, "Forbidden", "This API key may not call this endpoint."),
    GatewayProblem(
        "MISSING_AUTHENTICATION_TOKEN",
        404,
        "not_found",
        "Not found",
        "No such endpoint: check the method and the path.",
    ),
    GatewayProblem("RESOURCE_NOT_FOUND", 404, "not_found", "Not found"),
    GatewayProblem("THROTTLED", 429, "rate_limited", "Too many requests", retryable=True, headers={"Retry-After": "1"}),
    GatewayProblem(
        "QUOTA_EXCEEDED", 429, "rate_limited", "Too many requests", retryable=True, headers={"Retry-After": "60"}
    ),
    GatewayProblem("REQUEST_TOO_LARGE", 413, "payload_too_large", "Payload too large"),
    GatewayProblem("UNSUPPORTED_MEDIA_TYPE", 415, "unsupported_media_type", "Unsupported media type"),
    GatewayProblem("BAD_REQUEST_PARAMETERS", 400, "validation_failed", "Validation failed"),
    GatewayProblem("BAD_REQUEST_BODY", 400, "validation_failed", "Validation failed"),
    GatewayProblem("WAF_FILTERED", 403, "forbidden", "Forbidden"),
    GatewayProblem("DEFAULT_4XX", 400, "bad_request", "Bad request"),
    GatewayProblem(
        "AUTHORIZER_FAILURE",
        500,
        "internal_error",
        "Internal error",
        "Authorization failed on our side; it has been logged. Retry later.",
        retryable=True,
    ),
    GatewayProblem(
        "AUTHORIZER_CONFIGURATION_ERROR",
        503,
        "service_unavailable",
        "Service unavailable",
        "Authorization is unavailable; retry later.",
        retryable=True,
    ),
    GatewayProblem("INTEGRATION_TIMEOUT", 504, "gateway_timeout", "Gateway timeout", retryable=True),
    GatewayProblem("INTEGRATION_FAILURE", 502, "bad_gateway", "Bad gateway", retryable=True),
    GatewayProblem("DEFAULT_5XX", 500, "internal_error", "Internal error", retryable=True),
)

METHOD_NOT_ALLOWED = GatewayProblem(
    "ANY",  # not a gateway response: the catch-all method of each resource
    405,
    "method_not_allowed",
    "Method not allowed",
    "This resource does not support this method; see the Allow header.",
)
