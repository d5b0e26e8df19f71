"""``Idempotency-Key`` on POSTs (API.md): Powertools' idempotency utility on DynamoDB, per principal and
environment.

- The record key is (principal, environment, route, Idempotency-Key) (:func:`scope_of`); the request fingerprint
  (method, path, body, and the headers the route honours, e.g. If-Match) is its validation payload, so the same key
  with another body or pin is 422 ``idempotency_key_reused``. A sandbox key never replays a live response of the same
  account (nor the other way round). The scope is the principal and environment, not the key id: a client retrying
  across a key rotation (old key, then its successor) still gets the replay instead of a second RFO or offer.
- Only completed responses are stored (a raised DomainError — validation, conflicts, a 503 after a throttled or
  conflicting write, which wrote nothing — deletes the in-flight record, so the retry runs and gets the one true
  outcome); a second request while the first runs is 409 ``idempotency_in_flight``. When the request ran but its
  record could not be completed (the idempotency table throttled), the fresh answer is still sent, never a 503
  that would invite a second run (the in-flight record then blocks the key until the function's deadline).
- Records live 24 h (TTL). A replay returns the stored status, headers and body with
  ``Idempotent-Replayed: true``.
- Secrets are never stored: top-level ``api_key`` and ``secret`` fields are nulled in the stored copy, so a replayed
  registration or key creation answers ``"api_key": null`` (the secret is shown once; rotate if it was lost).
- The persistence layer is built on first use, never at import (cold start, and tests rebind tables).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from intentbid.domain.errors import Conflict, FieldError, IdempotencyReused, ServiceUnavailable, ValidationFailed
from intentbid.domain.principal import Principal

TTL_S = 24 * 3600
HEADER = "idempotency-key"
SECRET_FIELDS = ("api_key", "secret")  # a key's secret; a webhook's signing secret
Produced = tuple[int, dict[str, str], str]

_runner: Callable[..., dict[str, Any]] | None = None
_config: Any = None


def _build() -> Callable[..., dict[str, Any]]:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    from intentbid.store.base import physical_name

    global _config
    _config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="fingerprint",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=TTL_S,
        hash_function="sha256",
    )
    persistence = DynamoDBPersistenceLayer(table_name=physical_name("idempotency"))

    @idempotent_function(
        data_keyword_argument="data", persistence_store=persistence, config=_config, key_prefix="intentbid"
    )
    def run(data: dict[str, str], produce: Callable[[], Produced]) -> dict[str, Any]:
        status, headers, body = produce()
        return {"status": status, "headers": headers, "body": body}

    return run


def scope_of(principal: Principal | None, source_ip: str) -> str:
    """Whose records a request may replay: its principal in its environment; anonymous calls (registration)
    per source IP."""
    if principal is None:
        return f"ip:{source_ip}"
    return f"{principal.id}:{principal.environment}"


def reset() -> None:
    """Forget the persistence layer (tests rebind tables between cases)."""
    global _runner
    _runner = None


# 1-255 printable ASCII characters, no space at either end: the OpenAPI document states this very pattern.
KEY_PATTERN = r"^[!-~](?:[ -~]{0,253}[!-~])?$"
_KEY_RE = re.compile(KEY_PATTERN)


def validate_key(raw: str) -> str:
    key = raw.strip()  # HTTP strips the header's surrounding whitespace anyway
    if not _KEY_RE.fullmatch(key):
        raise ValidationFailed(
            "Idempotency-Key must be 1-255 printable characters.",
            errors=[
                FieldError(
                    "Idempotency-Key",
                    "invalid_format",
                    "Idempotency-Key must be 1 to 255 printable ASCII characters (e.g. a UUID)",
                    {"minLength": 1, "maxLength": 255},
                )
            ],
        )
    return key


def run_once(
    *,
    scope: str,
    route: str,
    key: str,
    method: str,
    path: str,
    body: str | None,
    request_headers: dict[str, str] | None = None,
    context: Any,
    produce: Callable[[], Produced],
) -> tuple[Produced, bool]:
    """Run ``produce`` at most once per (scope, route, key); returns (response, replayed)."""
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyInconsistentStateError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    global _runner
    if _runner is None:
        _runner = _build()
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        _config.register_lambda_context(context)
    # The request is its method, path, body and the headers the route honours (e.g. an award's If-Match): the
    # same key with another pin is another request (422), never a replay of the first answer.
    honoured = "".join(f"\n{k.lower()}:{v}" for k, v in sorted((request_headers or {}).items()))
    fingerprint = hashlib.sha256(f"{method}\n{path}\n{body or ''}{honoured}".encode()).hexdigest()
    data = {"key": f"{scope}|{route}|{key}", "fingerprint": fingerprint}
    fresh: list[Produced] = []

    def produce_for_storage() -> Produced:
        status, headers, body = produce()
        fresh.append((status, headers, body))
        return status, headers, _without_secrets(body)

    try:
        out = _runner(data=data, produce=produce_for_storage)
    except IdempotencyValidationError:
        raise IdempotencyReused("This Idempotency-Key was used with a different request.") from None
    except IdempotencyInconsistentStateError:
        # The record changed state under Powertools' feet (an in-flight record of a killed invocation expired
        # between its reads): nothing ran; retryable.
        raise ServiceUnavailable(
            "The request's idempotency record is settling; retry shortly.", retry_after=1
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict(
            "A request with this Idempotency-Key is still in flight.", code="idempotency_in_flight", retry_after=1
        ) from None
    except IdempotencyPersistenceLayerError:
        if fresh:  # the request ran and its answer stands: only storing it failed (throttled), never answer 503
            from intentbid import observability as obs

            obs.logger.warning("idempotency record not completed; the answer is sent anyway", exc_info=True)
            return fresh[0], False
        raise  # the record could not be written or removed: transient (503), nothing ran or nothing was kept
    if fresh:
        return fresh[0], False
    return (int(out["status"]), dict(out["headers"]), str(out["body"])), True


def _without_secrets(body: str) -> str:
    if not any(f'"{f}"' in body for f in SECRET_FIELDS):
        return body
    value = json.loads(body)
    if isinstance(value, dict):
        value.update({f: None for f in SECRET_FIELDS if f in value})
    return json.dumps(value, ensure_ascii=False)
