"""Which AWS failures are transient: a throttled, conflicting or unreachable DynamoDB (or other AWS) call that
the SDK's own retries did not absorb. The API answers them 503 ``service_unavailable`` with ``Retry-After``
(never a 500): nothing was written (a refused call or cancelled transaction writes nothing), so the client may
retry, with the same ``Idempotency-Key``.

Duck-typed over the exception chain (botocore's ``ClientError.response``, PynamoDB's ``cause_response_code``,
Powertools' ``IdempotencyPersistenceLayerError`` carrying the failure as an argument): nothing is imported, so
the request path pays nothing until something fails.
"""

from __future__ import annotations

from collections.abc import Iterator

from intentbid.domain.errors import ServiceUnavailable

RETRY_AFTER_S = 1
# botocore's throttling and transient codes (botocore.retries.standard) plus DynamoDB's write conflict.
TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestThrottledException",
        "RequestThrottled",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "TransactionInProgressException",
        "TransactionConflictException",
        "InternalServerError",
        "ServiceUnavailable",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
TRANSIENT_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
TRANSPORT_ERRORS = frozenset(
    {"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError"}
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [x for x in (e.__cause__, e.__context__, getattr(e, "cause", None)) if isinstance(x, BaseException)]
        todo += [a for a in e.args if isinstance(a, BaseException)]


def _code(e: BaseException) -> str | None:
    response = getattr(e, "response", None)
    if isinstance(response, dict):
        return str((response.get("Error") or {}).get("Code") or "") or None
    code = getattr(e, "cause_response_code", None)
    return str(code) if code else None


def is_transient(exc: BaseException) -> bool:
    from intentbid.store.port import TransactionConflict

    for e in _chain(exc):
        if isinstance(e, TransactionConflict) or type(e).__name__ in TRANSPORT_ERRORS:
            return True
        code = _code(e)
        if code in TRANSIENT_CODES:
            return True
        reasons = getattr(e, "cancellation_reasons", None) or []
        if code == "TransactionCanceledException" and any(
            getattr(r, "code", None) in TRANSIENT_REASONS for r in reasons
        ):
            return True
    return False


def unavailable(exc: BaseException) -> ServiceUnavailable | None:
    """The 503 for a transient failure, None for anything else (a bug: the caller's 500)."""
    if not is_transient(exc):
        return None
    return ServiceUnavailable("The service is busy; retry the request shortly.", retry_after=RETRY_AFTER_S)
