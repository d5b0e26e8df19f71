"""Domain exceptions: the one error map. Each class carries its stable machine ``code``, its HTTP ``status``
and whether waiting helps (``retryable``); :mod:`intentbid.http.problem` only renders them as RFC 9457
problem+json. Never match on message text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldError:
    """One field's failure: ``message`` is a sentence for humans (naming the field and what is allowed, never the
    value sent); ``params`` the same bounds for machines (e.g. ``{"maximum": 100}``), sent only when set."""

    field: str
    code: str
    message: str
    params: Mapping[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "code": self.code, "message": self.message}
        if self.params:
            out["params"] = dict(self.params)
        return out


class DomainError(Exception):
    """Base of every error a client may see. ``code`` is the stable contract; ``detail`` is for humans."""

    code = "error"
    title = "Error"
    status = 500
    retryable = False  # the class default; an instance is also retryable when it says when to retry

    def __init__(
        self,
        detail: str = "",
        *,
        code: str | None = None,
        retry_after: int | None = None,
        errors: list[FieldError] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code is not None:
            self.code = code
        self.retry_after = retry_after
        # Waiting helps when the error says when (Retry-After) or the class is transient (503); a lifetime
        # limit raised as TooManyRequests without retry_after is not retryable.
        self.retryable = type(self).retryable or retry_after is not None
        self.errors = errors or []
        self.extra = extra or {}
        self.headers = headers or {}


class InvalidJson(DomainError):
    code, title = "invalid_json", "Malformed JSON"
    status = 400


class ValidationFailed(DomainError):
    code, title = "validation_failed", "Validation failed"
    status = 400


class Unauthenticated(DomainError):
    code, title = "unauthenticated", "Authentication required"
    status = 401


class Forbidden(DomainError):
    code, title = "forbidden", "Forbidden"
    status = 403


class NotFound(DomainError):
    code, title = "not_found", "Not found"
    status = 404


class MethodNotAllowed(DomainError):
    code, title = "method_not_allowed", "Method not allowed"
    status = 405


class Conflict(DomainError):
    code, title = "conflict", "Conflict"
    status = 409


class PayloadTooLarge(DomainError):
    code, title = "payload_too_large", "Payload too large"
    status = 413


class UnsupportedMediaType(DomainError):
    code, title = "unsupported_media_type", "Unsupported media type"
    status = 415


class IdempotencyReused(DomainError):
    code, title = "idempotency_key_reused", "Idempotency key reused with a different request"
    status = 422


class TooManyRequests(DomainError):
    code, title = "rate_limited", "Too many requests"
    status = 429


class PlanLimitExceeded(DomainError):
    code, title = "plan_limit_exceeded", "Plan limit exceeded"
    status = 402


class ServiceUnavailable(DomainError):
    code, title = "service_unavailable", "Service unavailable"
    retryable = True
    status = 503


def field_errors(*items: tuple[str, str, str]) -> list[FieldError]:
    return [FieldError(f, c, m) for f, c, m in items]


__all__ = [
    "Conflict",
    "DomainError",
    "FieldError",
    "Forbidden",
    "IdempotencyReused",
    "InvalidJson",
    "MethodNotAllowed",
    "NotFound",
    "PayloadTooLarge",
    "PlanLimitExceeded",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthenticated",
    "UnsupportedMediaType",
    "ValidationFailed",
    "field_errors",
]
