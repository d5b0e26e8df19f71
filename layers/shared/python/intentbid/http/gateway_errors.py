"""API Gateway's own errors: one table that the CDK stack (``intentbid_infra.gateway_responses`` renders each row
as a gateway response template) and the local gateway (``intentbid_local.gateway_responses`` renders it with the
request's values) both read, so the two cannot drift. Plain data: no CDK, no I/O.

``detail`` is what a client reads. Where ``own_message`` is set, the gateway's own message replaces it: API
Gateway's (``$context.error.messageString``, naming the failing parameter, say) in AWS, the local server's
(what is wrong with the framing) locally.
The 403's ``code`` is the authorizer's ``deny_code`` (``forbidden``, ``insufficient_scope``, ``ip_not_allowed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

DENY_CODE = "<deny_code>"  # the 403's code: filled from the authorizer's context


@dataclass(frozen=True)
class GatewayProblem:
    response_type: str  # apigateway.ResponseType name ("ANY": the 405 mock; "LOCAL_*": the local server only)
    status: int
    code: str
    title: str
    detail: str
    retryable: bool = False
    headers: dict[str, str] = field(default_factory=dict)  # static extra headers
    own_message: bool = False


UNAUTHORIZED = GatewayProblem(
    "UNAUTHORIZED",
    401,
    "unauthenticated",
    "Authentication required",
    "Send a valid API key as 'Authorization: Bearer <key>'.",
    headers={"WWW-Authenticate": "Bearer"},
)
ACCESS_DENIED = GatewayProblem(
    "ACCESS_DENIED", 403, DENY_CODE, "Forbidden", "This API key may not call this endpoint; see the code's page."
)
NO_SUCH_ENDPOINT = GatewayProblem(
    "MISSING_AUTHENTICATION_TOKEN", 404, "not_found", "Not found", "No such endpoint: check the method and the path."
)
TOO_LARGE = GatewayProblem(
    "REQUEST_TOO_LARGE", 413, "payload_too_large", "Payload too large", "The request body exceeds 10 MB."
)
# The authorizer raised or timed out (a store outage, say): transient, the request may be retried.
AUTHORIZER_FAILURE = GatewayProblem(
    "AUTHORIZER_FAILURE",
    503,
    "service_unavailable",
    "Service unavailable",
    "Authorization is unavailable right now; retry later.",
    retryable=True,
    headers={"Retry-After": "1"},
)
# The authorizer answered something API Gateway cannot use: our bug, logged.
AUTHORIZER_CONFIGURATION_ERROR = GatewayProblem(
    "AUTHORIZER_CONFIGURATION_ERROR",
    500,
    "internal_error",
    "Internal error",
    "Authorization failed on our side; it has been logged. Retry later.",
    retryable=True,
)
# The function raised, is missing, or returned a malformed proxy result.
INTEGRATION_FAILURE = GatewayProblem(
    "INTEGRATION_FAILURE",
    502,
    "bad_gateway",
    "Bad gateway",
    "The function behind this endpoint failed; it has been logged. Retry later.",
    retryable=True,
)
DEFAULT_5XX = GatewayProblem(
    "DEFAULT_5XX",
    500,
    "internal_error",
    "Internal error",
    "Something went wrong on our side; it has been logged. Retry later.",
    retryable=True,
)

GATEWAY_PROBLEMS: tuple[GatewayProblem, ...] = (
    UNAUTHORIZED,
    ACCESS_DENIED,
    NO_SUCH_ENDPOINT,
    GatewayProblem("RESOURCE_NOT_FOUND", 404, "not_found", "Not found", "No such resource.", own_message=True),
    GatewayProblem(
        "THROTTLED",
        429,
        "rate_limited",
        "Too many requests",
        "The stage's request rate is exceeded; retry after the Retry-After seconds.",
        retryable=True,
        headers={"Retry-After": "1"},
    ),
    GatewayProblem(
        "QUOTA_EXCEEDED",
        429,
        "rate_limited",
        "Too many requests",
        "The usage plan's quota is exhausted; retry after the Retry-After seconds.",
        retryable=True,
        headers={"Retry-After": "60"},
    ),
    TOO_LARGE,
    GatewayProblem(
        "UNSUPPORTED_MEDIA_TYPE",
        415,
        "unsupported_media_type",
        "Unsupported media type",
        "Send the body as application/json.",
    ),
    GatewayProblem(
        "BAD_REQUEST_PARAMETERS",
        400,
        "validation_failed",
        "Validation failed",
        "A required parameter is missing.",
        own_message=True,
    ),
    GatewayProblem(
        "BAD_REQUEST_BODY", 400, "validation_failed", "Validation failed", "The body is invalid.", own_message=True
    ),
    GatewayProblem("WAF_FILTERED", 403, "forbidden", "Forbidden", "The request was filtered.", own_message=True),
    GatewayProblem("DEFAULT_4XX", 400, "bad_request", "Bad request", "The request is invalid.", own_message=True),
    AUTHORIZER_FAILURE,
    AUTHORIZER_CONFIGURATION_ERROR,
    GatewayProblem(
        "INTEGRATION_TIMEOUT",
        504,
        "gateway_timeout",
        "Gateway timeout",
        "The endpoint did not answer in time; retry later.",
        retryable=True,
    ),
    INTEGRATION_FAILURE,
    DEFAULT_5XX,
)

# Not a gateway response: the catch-all ``ANY`` method of each resource (a MOCK), for undeclared methods.
METHOD_NOT_ALLOWED = GatewayProblem(
    "ANY",
    405,
    "method_not_allowed",
    "Method not allowed",
    "This resource does not support this method; see the Allow header.",
)
# Only the local HTTP server: a request whose framing is broken (API Gateway's front end refuses those itself).
MALFORMED_REQUEST = GatewayProblem(
    "LOCAL_MALFORMED_REQUEST",
    400,
    "invalid_request",
    "Invalid request",
    "The request's framing is malformed.",
    own_message=True,
)
