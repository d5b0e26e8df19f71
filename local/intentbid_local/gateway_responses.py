"""API Gateway's own responses (auth failures, unknown paths, errors), as problem+json like the CDK's
gateway responses: ``type``, ``title``, ``status``, ``detail``, ``instance`` (the request id), ``code``,
``retryable``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


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


# code -> (title, detail, retryable)
_TEXTS: dict[str, tuple[str, str, bool]] = {
    "unauthenticated": ("Unauthenticated", "A valid API key is required: send 'Authorization: Bearer <key>'.", False),
    "forbidden": ("Forbidden", "This key may not call this endpoint.", False),
    "insufficient_scope": ("Insufficient scope", "This key lacks a scope this endpoint requires.", False),
    "ip_not_allowed": ("IP not allowed", "The caller's IP address is not on this key's allowlist.", False),
    "not_found": ("Not found", "No such resource.", False),
    "method_not_allowed": ("Method not allowed", "This resource does not support this method.", False),
    "payload_too_large": ("Payload too large", "The request body exceeds 10 MB.", False),
    "internal_error": ("Internal error", "Something went wrong on our side; it has been logged. Retry later.", True),
    "service_unavailable": (
        "Service unavailable",
        "The authorizer could not decide on this request. Retry later.",
        True,
    ),
}


def problem(
    status: int, code: str, request_id: str, detail: str | None = None, headers: list[tuple[str, str]] | None = None
) -> HttpResponse:
    from intentbid.http.problem import PROBLEM_JSON, problem_body

    title, default_detail, retryable = _TEXTS.get(code, (code.replace("_", " ").capitalize(), "", False))
    body = problem_body(status, code, title, detail or default_detail, request_id, retryable=retryable)
    return HttpResponse(status, [("Content-Type", PROBLEM_JSON), *(headers or [])], json.dumps(body).encode("utf-8"))
