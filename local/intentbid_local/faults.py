"""Faults on demand: the local runtime misbehaves the way DynamoDB, SQS and Lambda do, so tests can show that the
answers stay correct, nothing accepted is lost and nothing is applied twice.

Switched on by ``INTENTBID_LOCAL_FAULTS`` (or ``run --faults``), a comma-separated plan, e.g.
``gsi_lag_ms=200,throttle=0.05,tx_conflict=0.05,sqs_duplicate=0.1,worker_crash=0.05,lambda_timeout=0.02,seed=7``.
A local-only setting, deliberately not in ``intentbid.config``: no deployed function may ever read it.

- ``gsi_lag_ms=N``: a Query on a global secondary index sees the table as it was N ms ago (an item written since
  shows its previous version, or is absent when it is new): :mod:`moto_faults`, inside moto.
- ``throttle=P``: a share P of DynamoDB calls is refused with ``ProvisionedThroughputExceededException`` or
  ``ThrottlingException`` before it reaches DynamoDB. Half of them only on their first attempt (the SDK's own
  retry absorbs it), half on every attempt (a hot key: the SDK gives up and the handler sees the error).
- ``tx_conflict=P``: a share P of ``TransactWriteItems`` is cancelled with reason ``TransactionConflict`` (and of
  single-item writes refused with ``TransactionConflictException``); the SDK does not retry these.
- ``sqs_duplicate=P``: a share P of SQS batches is delivered a second time (SQS is at-least-once).
- ``worker_crash=P``: a share P of worker invocations (SQS and stream) handles the first part of its batch, then
  the worker crashes: the whole batch counts as failed and comes back (visibility timeout / stream retry).
- ``worker_crash_only=F``: ``worker_crash`` hits only the worker function F (``|``-separated names, e.g.
  ``webhook_deliver``); default every worker.
- ``lambda_timeout=P``: a share P of API invocations overruns the function's timeout after the handler did its
  work: the answer is lost and the gateway answers 502, as API Gateway does for a timed-out Lambda.
- ``lambda_crash=P``: a share P of API invocations with an ``Idempotency-Key`` is killed mid-handler (Lambda's
  timeout or an out-of-memory kill): right after its Idempotency-Key record was written, at its next DynamoDB
  write, before that write is sent. The record stays in flight (Powertools cannot clean up after a killed
  process) until the function's deadline; the gateway answers 502. A retry with the same key gets 409
  ``idempotency_in_flight`` until then, and afterwards runs: the one true outcome.
- ``sdk_backoff=F``: scales the SDK's retry back-off (default 1: botocore's own; tests use 0.05 to stay fast).
  The number of attempts and which errors are retried stay botocore's.
- ``seed=S``: the draws' seed (default 0). The sequence is fixed; which call gets which draw depends on the
  threads' timing.

Throttles and conflicts are injected in the runtime process's botocore transport (``Endpoint._send``): every
client of the handlers (PynamoDB's, Powertools', boto3's) goes through it and its retry logic handles the
refusal exactly as it handles DynamoDB's. Nothing is injected before :func:`activate` (provisioning never fails).
"""

from __future__ import annotations

import json
import logging
import random
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, fields
from typing import Any

ENV = "INTENTBID_LOCAL_FAULTS"
log = logging.getLogger("intentbid_local.faults")

SHARES = ("throttle", "tx_conflict", "sqs_duplicate", "worker_crash", "lambda_timeout", "lambda_crash")
_WRITES = ("PutItem", "UpdateItem", "DeleteItem")


class PlanError(ValueError):
    """An unreadable fault plan (the runtime refuses to start rather than run without the faults asked for)."""


@dataclass(frozen=True)
class FaultPlan:
    gsi_lag_ms: int = 0
    throttle: float = 0.0
    tx_conflict: float = 0.0
    sqs_duplicate: float = 0.0
    worker_crash: float = 0.0
    lambda_timeout: float = 0.0
    lambda_crash: float = 0.0
    sdk_backoff: float = 1.0
    seed: int = 0
    worker_crash_only: str = ""

    @classmethod
    def parse(cls, text: str) -> FaultPlan:
        """``"throttle=0.1,seed=3"`` -> a plan; unknown names and values out of range raise :class:`PlanError`."""
        known = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            name, sep, raw = part.partition("=")
            name = name.strip()
            if not sep or name not in known:
                raise PlanError(f"{ENV}: {part!r} is not one of {', '.join(f'{n}=...' for n in known)}")
            if name == "worker_crash_only":
                values[name] = raw.strip()
                continue
            try:
                value: float | int = int(raw) if name in ("gsi_lag_ms", "seed") else float(raw)
            except ValueError:
                raise PlanError(f"{ENV}: {name}={raw!r} is not a number") from None
            if name in SHARES and not 0.0 <= value <= 1.0:
                raise PlanError(f"{ENV}: {name} is a share of calls, between 0 and 1")
            if value < 0:
                raise PlanError(f"{ENV}: {name} must not be negative")
            values[name] = value
        return cls(**values)

    def crashes(self, function: str) -> bool:
        """Whether ``worker_crash`` may hit the worker ``function``."""
        return not self.worker_crash_only or function in self.worker_crash_only.split("|")

    @property
    def active(self) -> bool:
        return bool(self.gsi_lag_ms or any(getattr(self, s) for s in SHARES))

    def describe(self) -> str:
        parts = [f"{f.name}={getattr(self, f.name)}" for f in fields(self) if getattr(self, f.name) != f.default]
        return ",".join(parts) or "none"


class LambdaKilled(BaseException):
    """The function was killed mid-handler (``lambda_crash``): a BaseException, so neither the handler's error
    mapping nor Powertools' clean-up (``except Exception``) runs, as when Lambda stops the process."""


_doomed = threading.local()


def doom() -> None:
    """This thread's invocation is to be killed at its first write after its idempotency record."""
    _doomed.on, _doomed.armed = True, False


def spare() -> None:
    _doomed.on = False


def _kill_point(operation: str, request: Any) -> None:
    if not getattr(_doomed, "on", False) or operation not in ("TransactWriteItems", *_WRITES):
        return
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return
    items = body.get("TransactItems") or [body]
    tables = {str(v.get("TableName", "")) for i in items for v in (i.values() if "TransactItems" in body else [i])}
    if any(t.endswith("-idempotency") for t in tables):
        if operation == "PutItem":
            _doomed.armed = True  # the in-flight record: the kill comes at the next write
        return
    if _doomed.armed:
        _doomed.on = False
        log.info("fault injected: lambda_crash")
        raise LambdaKilled(operation)


class Faults:
    """The process's fault plan and its seeded draws (thread-safe), with a tally of what was injected."""

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self._rng = random.Random(plan.seed)  # noqa: S311 - fault draws, not crypto
        self._lock = threading.Lock()
        self.injected: Counter[str] = Counter()
        self._sticky: dict[str, str] = {}  # SDK invocation id -> the error its every attempt gets
        self.active = False  # set by activate(): provisioning and the bootstrap admin run fault-free

    def draw(self, share: str) -> bool:
        p = float(getattr(self.plan, share))
        if not self.active or p <= 0:
            return False
        with self._lock:
            hit = self._rng.random() < p
            if hit:
                self.injected[share] += 1
        if hit:
            log.info("fault injected: %s", share)
        return hit

    def _choice(self, options: tuple[str, ...]) -> str:
        with self._lock:
            return self._rng.choice(options)

    def summary(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in sorted(self.injected.items())) or "none"

    # -- DynamoDB calls, at the transport

    def refusal(self, operation: str, body: dict[str, Any], invocation_id: str, attempt: int) -> tuple[str, dict]:
        """("", {}) to send the request, else (error code, extra body fields) to answer it with."""
        sticky = self._sticky.get(invocation_id) if invocation_id else None
        if sticky is not None:
            return sticky, {}
        if attempt <= 1 and self.draw("throttle"):
            code = self._choice(("ProvisionedThroughputExceededException", "ThrottlingException"))
            if invocation_id and self._choice(("once", "always")) == "always":
                with self._lock:
                    self._sticky[invocation_id] = code
                    if len(self._sticky) > 10_000:
                        self._sticky.clear()
            return code, {}
        if attempt <= 1 and operation in ("TransactWriteItems", *_WRITES) and self.draw("tx_conflict"):
            if operation != "TransactWriteItems":
                return "TransactionConflictException", {}
            n = len(body.get("TransactItems") or [])
            with self._lock:
                hit = self._rng.randrange(max(1, n))
            reasons = [
                {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
                if i == hit
                else {"Code": "None"}
                for i in range(max(1, n))
            ]
            return "TransactionCanceledException", {"CancellationReasons": reasons}
        return "", {}


_faults: Faults | None = None
_installed = False


def current() -> Faults | None:
    return _faults


def configure(plan: FaultPlan | None) -> Faults | None:
    """Make ``plan`` the process's (None or an empty plan: no faults). Installs the transport hook and, for GSI
    lag, moto's index view; both are inert while no plan is active."""
    global _faults
    if plan is None or not plan.active:
        _faults = None
        return None
    _faults = Faults(plan)
    _install_transport(plan.sdk_backoff)
    from intentbid_local import moto_faults

    moto_faults.install(plan.gsi_lag_ms)
    return _faults


def activate() -> None:
    if _faults is not None:
        _faults.active = True
        log.warning("fault injection on: %s", _faults.plan.describe())


class _Raw:
    """The ``raw`` of a botocore response: what ``AWSResponse.content`` streams."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


def _install_transport(backoff: float) -> None:
    global _installed
    if _installed:
        return
    from botocore import endpoint, retryhandler
    from botocore.awsrequest import AWSResponse
    from botocore.retries import standard

    original_send = endpoint.Endpoint._send

    def _send(self: Any, request: Any) -> Any:
        faults = _faults
        target = str(request.headers.get("X-Amz-Target", b"") or "")
        if isinstance(request.headers.get("X-Amz-Target"), bytes):
            target = request.headers["X-Amz-Target"].decode()
        if faults is None or not faults.active or not target.startswith("DynamoDB_"):
            return original_send(self, request)
        operation = target.partition(".")[2]
        _kill_point(operation, request)
        invocation = _header(request, "amz-sdk-invocation-id")
        attempt = _attempt(_header(request, "amz-sdk-request"))
        try:
            body = json.loads(request.body or b"{}") if operation == "TransactWriteItems" else {}
        except ValueError:
            body = {}
        code, extra = faults.refusal(operation, body, invocation, attempt)
        if not code:
            return original_send(self, request)
        payload = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": _MESSAGES.get(code, code), **extra}
        headers = {"x-amzn-RequestId": str(uuid.uuid4()), "Content-Type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, 400, headers, _Raw(json.dumps(payload).encode()))

    endpoint.Endpoint._send = _send  # type: ignore[method-assign]
    if backoff != 1.0:
        original_delay = standard.ExponentialBackoff.delay_amount
        standard.ExponentialBackoff.delay_amount = lambda self, context: original_delay(self, context) * backoff  # type: ignore[method-assign]
        legacy = retryhandler.delay_exponential
        retryhandler.delay_exponential = lambda base, growth_factor, attempts: (  # type: ignore[assignment]
            legacy(base, growth_factor, attempts) * backoff
        )
    _installed = True


_MESSAGES = {
    "ProvisionedThroughputExceededException": "The level of configured provisioned throughput for the table was "
    "exceeded. Consider increasing your provisioning level with the UpdateTable API.",
    "ThrottlingException": "Throughput exceeds the current capacity of your table or index.",
    "TransactionConflictException": "Transaction is ongoing for the item",
    "TransactionCanceledException": "Transaction cancelled, please refer cancellation reasons for specific reasons "
    "[TransactionConflict]",
}


def _header(request: Any, name: str) -> str:
    value = request.headers.get(name)
    if isinstance(value, bytes):
        return value.decode()
    return str(value or "")


def _attempt(sdk_request: str) -> int:
    """``attempt=2; max=4`` -> 2 (1 when absent)."""
    for part in sdk_request.split(";"):
        name, _, value = part.strip().partition("=")
        if name == "attempt" and value.isdigit():
            return int(value)
    return 1
