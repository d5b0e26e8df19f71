"""Domain exceptions -> RFC 9457 ``application/problem+json``.

The error map itself is the exception classes (:mod:`intentbid.domain.errors`: ``code``, ``status``,
``retryable``); this module only renders them. ``detail`` is for humans; ``instance`` is the request id.
No stack traces, ever.
"""

from __future__ import annotations

import json
from typing import Any

from intentbid.domain import errors as e

# A problem's ``type`` is the URI reference ``<base>/errors/<code>`` (RFC 9457 §3.1.1: resolved against the request
# URI), the code's page in the error catalog served on the same origin (``intentbid.http.catalog``). ``base`` is the
# path the API is mounted at as the client sees it: "" locally and behind a domain at the root, "/<stage>" on the
# execute-api URL (see ``intentbid.http.api.base_path``).
TYPE_PATH = "/errors/"
PROBLEM_JSON = "application/problem+json"


def type_uri(code: str, base: str = "") -> str:
    return f"{base}{TYPE_PATH}{code}"


def problem_body(
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str,
    errors: list[dict[str, Any]] | None = None,
    retryable: bool = False,
    extra: dict[str, Any] | None = None,
    base: str = "",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": type_uri(code, base),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        "retryable": retryable,
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update({k: v for k, v in extra.items() if k not in body})
    return body


def from_exception(exc: e.DomainError, request_id: str, base: str = "") -> tuple[int, dict[str, str], str]:
    """(status, headers, body) for a domain error."""
    status = exc.status
    headers = {**exc.headers, "Content-Type": PROBLEM_JSON}
    if exc.retry_after is not None:
        headers["Retry-After"] = str(max(0, int(exc.retry_after)))
    body = problem_body(
        status,
        exc.code,
        exc.title,
        exc.detail,
        request_id,
        [fe.as_dict() for fe in exc.errors],
        exc.retryable,
        exc.extra,
        base,
    )
    return status, headers, json.dumps(body, ensure_ascii=False)


def internal_error(request_id: str, base: str = "") -> tuple[int, dict[str, str], str]:
    body = problem_body(
        500,
        "internal_error",
        "Internal error",
        "Something went wrong on our side; it has been logged. Retry later.",
        request_id,
        retryable=True,
        base=base,
    )
    return 500, {"Content-Type": PROBLEM_JSON}, json.dumps(body)
