"""Logger and metrics in one neutral module every layer may import (handlers, services, store).

- JSON logs (Powertools Logger); every line carries the request's correlation id and, once known, the
  principal (kind, id, key_id). Per-request fields live in a ``contextvars`` context, not in the logger's
  global keys, so concurrent requests in one process (the local gateway) never mix their fields.
- Redaction is the serializer's last step, so no code path can log a key: API keys (``ib_live_…``),
  ``Bearer`` tokens, and values under secret-looking keys (authorization, api_key, secret, password, token,
  signature) are masked.
- Metrics are EMF (Powertools Metrics), flushed by the HTTP adapter after each request.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import threading
import warnings
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit, single_metric

from intentbid import config

SERVICE = config.settings().deployment.powertools_service_name
NAMESPACE = config.settings().deployment.powertools_metrics_namespace

MASK = "***"
_KEY_RE = re.compile(r"\bib_(live|test)_[A-Za-z0-9]+")
_BEARER_RE = re.compile(r"(?i)\bbearer\s+[^\s\"',]+")
_STRIPE_SECRET_RE = re.compile(r"\b(sk|rk|whsec)_(live|test)?_?[A-Za-z0-9]{8,}")
_WEBHOOK_SECRET_RE = re.compile(r"\bwhsec_[A-Za-z0-9+/=_-]{8,}")  # base64: +, / and = too
_SECRET_NAMES = re.compile(r"(?i)(authorization|api[_-]?key|secret|password|token|signature|cookie)")

_request_fields: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "intentbid_request_fields", default=None
)


def redact_text(text: str) -> str:
    text = _KEY_RE.sub(lambda m: f"ib_{m.group(1)}_{MASK}", text)
    text = _BEARER_RE.sub(f"Bearer {MASK}", text)
    return _STRIPE_SECRET_RE.sub(MASK, _WEBHOOK_SECRET_RE.sub(MASK, text))


def redact(value: Any, _depth: int = 0) -> Any:
    """Mask secrets in any JSON-like value: by key name, then by pattern inside strings."""
    if _depth > 20:
        return MASK
    if isinstance(value, dict):
        return {
            k: (
                MASK
                if isinstance(k, str)
                and _SECRET_NAMES.search(k)
                and v not in (None, "")
                and not isinstance(v, (bool, int, float))
                else redact(v, _depth + 1)
            )
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact(v, _depth + 1) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def _serialize(obj: Any) -> str:
    return redact_text(json.dumps(redact(obj), default=str, separators=(",", ":"), ensure_ascii=False))


class _RequestFieldsFilter(logging.Filter):
    """Copy the current request's fields onto each record (Powertools emits extra record attributes)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for k, v in (_request_fields.get() or {}).items():
            if not hasattr(record, k):
                setattr(record, k, v)
        return True


logger = Logger(service=SERVICE, json_serializer=_serialize, use_rfc3339=True)
logger.addFilter(_RequestFieldsFilter())
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
_metrics_lock = threading.Lock()


def bind(**fields: Any) -> None:
    """Add fields to every log line of the current request (this context only)."""
    current = dict(_request_fields.get() or {})
    current.update({k: v for k, v in fields.items() if v is not None})
    _request_fields.set(current)


def reset_request_context(**fields: Any) -> contextvars.Token[dict[str, Any] | None]:
    return _request_fields.set({k: v for k, v in fields.items() if v is not None})


def request_fields() -> dict[str, Any]:
    return dict(_request_fields.get() or {})


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """Record a count metric; dimensions are kept few (cardinality is money in CloudWatch)."""
    with _metrics_lock:
        if dimensions:
            # Powertools applies dimensions to the whole flush: emit a single-metric blob instead.
            with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=NAMESPACE) as m:
                for k, v in dimensions.items():
                    m.add_dimension(name=k, value=v)
        else:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def timing_ms(name: str, value: float) -> None:
    with _metrics_lock:
        metrics.add_metric(name=name, unit=MetricUnit.Milliseconds, value=value)


def flush_metrics() -> None:
    with _metrics_lock, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "no metrics to publish" when another request flushed them
        metrics.flush_metrics(raise_on_empty_metrics=False)
