"""Logger and metrics in one neutral module every layer may import (handlers, services, store).

- JSON logs, one object a line on stdout, in Powertools Logger's format (``level``, ``location``, ``message``,
  ``timestamp`` RFC 3339 in ms, ``service``, the record's extra fields, ``exception``/``exception_name``/
  ``stack_trace``, ``xray_trace_id``; ``None`` fields dropped). Every line carries the request's correlation id
  and, once known, the principal (kind, id, key_id). Per-request fields live in a ``contextvars`` context, not
  in the logger's global keys, so concurrent requests in one process (the local gateway) never mix their fields.
- Redaction is the serializer's last step, so no code path can log a key: API keys (``ib_live_…``),
  ``Bearer`` tokens, and values under secret-looking keys (authorization, api_key, secret, password, token,
  signature) are masked.
- Metrics are CloudWatch EMF blobs in Powertools Metrics' format (namespace, ``service`` dimension, values as
  lists), flushed by the HTTP adapter after each request.

Both are written here rather than taken from Powertools: importing ``aws_lambda_powertools`` (its package
``__init__`` loads Logger, Metrics and Tracer, with botocore's exceptions) cost every function ~60-90 ms of
cold start for two small writers (issue 12, ``bench/cold_imports.py``). ``tests/unit/test_observability.py``
checks that both write what Powertools writes for the same calls. The level follows Powertools' rules:
``AWS_LAMBDA_LOG_LEVEL`` (Lambda's advanced logging controls), else ``POWERTOOLS_LOG_LEVEL``, else
``LOG_LEVEL``, else INFO; ``POWERTOOLS_METRICS_DISABLED`` (or ``POWERTOOLS_DEV`` alone) turns metrics off.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

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


# ---------------------------------------------------------------------------------------------------- logs

# A record's own attributes (Powertools' list, plus what newer Pythons add); every other attribute is an extra
# field of the line (``extra={...}``, the request fields).
_RESERVED = frozenset(
    [
        "name",
        "msg",
        "args",
        "level",
        "levelname",
        "levelno",
        "pathname",
        "filename",
        "module",
        "exc_info",
        "exc_text",
        "stack_info",
        "lineno",
        "funcName",
        "created",
        "msecs",
        "relativeCreated",
        "thread",
        "threadName",
        "processName",
        "process",
        "asctime",
        "location",
        "timestamp",
        "taskName",
        "message",
    ]
)
_LAMBDA_LEVELS = {
    "TRACE": "NOTSET",
    "DEBUG": "DEBUG",
    "INFO": "INFO",
    "WARN": "WARNING",
    "ERROR": "ERROR",
    "FATAL": "CRITICAL",
}


def log_level(environ: dict[str, str] | os._Environ[str] = os.environ, configured: str = "INFO") -> str:
    """Lambda's advanced logging controls, else ``POWERTOOLS_LOG_LEVEL``, else ``configured`` (``LOG_LEVEL``
    of the settings, INFO by default): Powertools' order."""
    lambda_level = _LAMBDA_LEVELS.get(environ.get("AWS_LAMBDA_LOG_LEVEL", ""))
    if lambda_level:
        return lambda_level
    return (environ.get("POWERTOOLS_LOG_LEVEL") or configured).upper()


class JsonFormatter(logging.Formatter):
    """One JSON object per record, keys in Powertools' order; ``serializer`` turns the dict into the line."""

    def __init__(self, service: str, serializer: Any = _serialize) -> None:
        super().__init__()
        self.service, self.serializer = service, serializer

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "level": record.levelname,
            "location": f"{record.funcName}:{record.lineno}",
            "message": self._message(record),
            "timestamp": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "service": self.service,
        }
        line.update((k, v) for k, v in record.__dict__.items() if k not in _RESERVED)
        exc = record.exc_info
        if isinstance(exc, tuple) and hasattr(exc[0], "__name__"):
            line.setdefault("exception", self.formatException(exc))
            line.setdefault("exception_name", exc[0].__name__)  # type: ignore[union-attr]
            line.setdefault("exception_notes", getattr(exc[1], "__notes__", None))
            line["stack_trace"] = _stack_trace(exc)
        trace = os.environ.get("_X_AMZN_TRACE_ID")
        line["xray_trace_id"] = trace.split(";")[0].replace("Root=", "") if trace else None
        return str(self.serializer({k: v for k, v in line.items() if v is not None}))

    @staticmethod
    def _message(record: logging.LogRecord) -> Any:
        msg = record.msg
        if isinstance(msg, dict):
            return msg
        if record.args:
            return record.getMessage()
        if isinstance(msg, str):  # a JSON string is logged as its value (Powertools does the same)
            try:
                return json.loads(msg)
            except (ValueError, TypeError):
                return msg
        return msg


def _stack_trace(exc: Any) -> dict[str, Any]:
    import traceback

    return {
        "type": exc[0].__name__,
        "value": exc[1],
        "module": exc[1].__class__.__module__,
        "frames": [
            {"file": fs.filename, "line": fs.lineno, "function": fs.name, "statement": fs.line}
            for fs in traceback.extract_tb(exc[2])
        ],
    }


class _RequestFieldsFilter(logging.Filter):
    """Copy the current request's fields onto each record (extra record attributes become fields)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for k, v in (_request_fields.get() or {}).items():
            if not hasattr(record, k):
                setattr(record, k, v)
        return True


class JsonLogger:
    """The standard logger named ``service`` (not propagating; one stdout handler with :class:`JsonFormatter`).
    Every ``logging.Logger`` attribute is the standard logger's, so records carry the caller's location."""

    def __init__(self, service: str, level: str) -> None:
        self._logger = logging.getLogger(service)
        self.registered_formatter = JsonFormatter(service)
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(self.registered_formatter)
        self._logger.handlers = [handler]
        self._logger.propagate = False
        self._logger.setLevel(level)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._logger, name)


logger = JsonLogger(SERVICE, log_level(configured=config.settings().deployment.log_level))
logger.addFilter(_RequestFieldsFilter())


def bind(**fields: Any) -> None:
    """Add fields to every log line of the current request (this context only)."""
    current = dict(_request_fields.get() or {})
    current.update({k: v for k, v in fields.items() if v is not None})
    _request_fields.set(current)


def reset_request_context(**fields: Any) -> contextvars.Token[dict[str, Any] | None]:
    return _request_fields.set({k: v for k, v in fields.items() if v is not None})


def request_fields() -> dict[str, Any]:
    return dict(_request_fields.get() or {})


# ------------------------------------------------------------------------------------------------- metrics

COUNT, MILLISECONDS = "Count", "Milliseconds"
MAX_METRICS = 100  # EMF: at most 100 metrics (and 100 values of one) per blob


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "y", "yes", "t", "true", "on")


def metrics_disabled(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """``POWERTOOLS_METRICS_DISABLED`` true, or ``POWERTOOLS_DEV`` true with it unset (Powertools' rule)."""
    disabled = environ.get("POWERTOOLS_METRICS_DISABLED")
    return _true(disabled) or (_true(environ.get("POWERTOOLS_DEV")) and disabled is None)


def emf(namespace: str, metrics: dict[str, tuple[str, list[float]]], dimensions: dict[str, str]) -> dict[str, Any]:
    """One EMF blob: ``metrics`` is name -> (unit, values), every metric under one dimension set."""
    return {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [list(dimensions)],
                    "Metrics": [{"Name": name, "Unit": unit} for name, (unit, _) in metrics.items()],
                }
            ],
        },
        **dimensions,
        **{name: values for name, (_, values) in metrics.items()},
    }


def _emit(blob: dict[str, Any]) -> None:
    if not metrics_disabled():
        print(json.dumps(blob, separators=(",", ":")))


class Metrics:
    """The request's metrics, dimension ``service``, buffered until :meth:`flush` (one blob)."""

    def __init__(self, namespace: str, service: str) -> None:
        self.namespace, self.service = namespace, service
        self._set: dict[str, tuple[str, list[float]]] = {}

    def add_metric(self, name: str, unit: str, value: float) -> None:
        name = name.strip()
        values = self._set[name][1] if name in self._set else []
        self._set[name] = (unit, values)  # the last unit given wins, as in Powertools
        values.append(float(value))
        if len(self._set) == MAX_METRICS or len(values) == MAX_METRICS:
            self.flush()

    def flush(self) -> None:
        if self._set:
            blob = emf(self.namespace, self._set, {"service": self.service} if self.service else {})
            self._set = {}
            _emit(blob)


metrics = Metrics(NAMESPACE, SERVICE)
_metrics_lock = threading.Lock()


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """Record a count metric; dimensions are kept few (cardinality is money in CloudWatch)."""
    with _metrics_lock:
        if dimensions:
            # Dimensions apply to a whole blob: a metric with its own dimensions is a blob of its own, now.
            dims = {k: str(v) for k, v in dimensions.items()}
            if os.environ.get("POWERTOOLS_SERVICE_NAME") and "service" not in dims:
                dims["service"] = os.environ["POWERTOOLS_SERVICE_NAME"]
            _emit(emf(NAMESPACE, {name.strip(): (COUNT, [float(value)])}, dims))
        else:
            metrics.add_metric(name, COUNT, value)


def timing_ms(name: str, value: float) -> None:
    with _metrics_lock:
        metrics.add_metric(name, MILLISECONDS, value)


def flush_metrics() -> None:
    with _metrics_lock:
        metrics.flush()
