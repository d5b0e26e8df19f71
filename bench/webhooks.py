"""Webhook delivery: latency, throughput and AWS calls per delivery.

1. **Latency** (a local runtime over real HTTP, as ``make dev`` runs it): a buyer posts ``--events`` RFOs one
   after another; a vendor's endpoint (a receiver on 127.0.0.1 answering 200 at once) gets one ``rfo.created``
   each. Per event: from the committing request (``POST /v1/rfos`` sent, and its 201 received) to the receiver's
   2xx. p50/p95/p99. Goal: p50 <= 1 s, p99 <= 3 s.
2. **Throughput through one worker**: ``--burst-endpoints`` endpoints x ``--events / --burst-endpoints`` RFOs
   posted at once over 4 connections; deliveries per second from the receiver's first to its last arrival (the
   delivery worker is one poller, batches of 10 attempted concurrently).
3. **AWS calls per delivery** (in-process moto, the real worker handler, counted as ``bench/aws_calls.py``
   counts: every botocore call): a first attempt that succeeds, one that fails (503) and is retried, and the
   retry that succeeds. The event source mapping's ``DeleteMessage`` of a done message is SQS work too, outside
   the function: listed on its own. Goal: <= 3 calls per successful delivery.

    python bench/webhooks.py [--events 1000] [--burst-endpoints 10] [--url URL] [--calls-only]

Without ``--url`` it starts its own runtime (``intentbid_local.launcher``). Prints tables; exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import benchlib

from intentbid_local import http_client, launcher
from intentbid_local.testdata import rfo_body
from intentbid_local.webhook_receiver import Received, Receiver

GOALS = {"p50": 1000.0, "p99": 3000.0}
ESM_DELETE = "sqs:DeleteMessage (event source mapping)"
RFOS_PER_BUYER = 100  # the per-key rate limit is 120 requests a minute: a buyer key per 100 RFOs


# --- 3. AWS calls per delivery (in-process) -----------------------------------------------------------------


def calls_per_delivery() -> dict[str, list[str]]:  # noqa: PLR0915 - one scripted scenario
    """Row -> the AWS operations of one attempt by the worker (needs moto active and the tables created)."""
    import aws_calls
    import boto3

    from intentbid import config
    from intentbid.services import deliveries, fanout
    from intentbid_local.harness import call, invoke
    from intentbid_local.lambda_events import sqs_event

    prefix = os.environ.get("TABLE_PREFIX", "intentbid-test-")
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"{prefix}webhook", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    dlq = sqs.create_queue(QueueName=f"{prefix}webhook-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    env = {
        "QUEUE_URL_WEBHOOK": url,
        "QUEUE_URL_WEBHOOK_DLQ": dlq,
        "INTENTBID_WEBHOOK_ALLOW_LOCAL": "true",
        "INTENTBID_WEBHOOK_RETRY_SCHEDULE": "0,0,0",  # the retry is visible at once
        "INTENTBID_WEBHOOK_RETRY_JITTER_PCT": "0",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    config.reload()
    for cached in (fanout._sqs, deliveries._sqs):
        cached.cache_clear()
    counter = aws_calls.CallCounter()
    counter.install()
    rows: dict[str, list[str]] = {}
    try:
        body = {"name": "Bench Hooks", "email": "hooks@bench.example"}
        vendor = aws_calls.principal_of(invoke("vendor_register", body=body)[2], "vendor")
        with Receiver() as rx:
            rx.script("/h", 503, then=200)
            create = {"url": rx.url("/h"), "events": ["*"]}
            hook = invoke("webhook_create", body=create, principal=vendor)[2]["webhook"]["id"]

            def queue_event() -> None:
                """A signed event for the endpoint on the queue, as the fan-out sends it (the test route's
                message without its one-attempt flag, so the retry schedule applies)."""
                invoke("webhook_test", path={"webhook_id": hook}, body={}, principal=vendor)
                (m,) = _receive(sqs, url)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                msg = json.loads(m["Body"])
                msg.pop("single", None)
                sqs.send_message(QueueUrl=url, MessageBody=json.dumps(msg))

            def attempt(name: str) -> None:
                msgs = _receive(sqs, url)
                with counter.recording() as calls:
                    result = call("webhook_deliver", sqs_event(msgs, arn))
                ops = [c.operation if c.service == "dynamodb" else f"{c.service}:{c.operation}" for c in calls]
                if not result["batchItemFailures"]:
                    for m in msgs:
                        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                    ops.append(ESM_DELETE)
                rows[name] = ops

            queue_event()
            attempt("first attempt fails (503): retry due")
            attempt("the retry succeeds")
            queue_event()
            attempt("first attempt succeeds")
    finally:
        counter.uninstall()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        config.reload()
        for cached in (fanout._sqs, deliveries._sqs):
            cached.cache_clear()
    return rows


def _receive(sqs: Any, url: str, timeout: float = 10) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"])
        if got.get("Messages"):
            return list(got["Messages"])
        time.sleep(0.05)
    raise RuntimeError("no delivery message on the queue")


# --- 1 and 2. latency and throughput (a runtime over HTTP) -------------------------------------------------


class Arrivals:
    """A receiver answering 200 at once, recording when (epoch s) each event arrived, per path."""

    def __init__(self) -> None:
        self.at: dict[tuple[str, str], float] = {}  # (path, rfo id) -> first arrival
        self._lock = threading.Condition()
        self.rx = Receiver(respond=self.respond)

    def respond(self, got: Received) -> int:
        now = time.time()
        try:
            rfo_id = json.loads(got.body)["data"]["object"]["id"]
        except (ValueError, KeyError, TypeError):
            return 200
        with self._lock:
            self.at.setdefault((got.path, rfo_id), now)
            self._lock.notify_all()
        return 200

    def wait(self, n: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.at) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"only {len(self.at)} of {n} deliveries arrived in {timeout:.0f}s")
                self._lock.wait(min(left, 1.0))


def _register(url: str, kind: str, name: str) -> str:
    resp = http_client.request(url, "POST", f"/v1/{kind}s/register", {"name": name, "email": f"{name}@bench.example"})
    if resp.status != 201:
        raise RuntimeError(f"register {kind}: {resp.status} {resp.body!r}")
    return str(resp.body["api_key"])


def _endpoint(url: str, key: str, target: str) -> None:
    resp = http_client.request(url, "POST", "/v1/webhooks", {"url": target, "events": ["rfo.created"]}, key=key)
    if resp.status != 201:
        raise RuntimeError(f"webhook create: {resp.status} {resp.body!r}")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def latency(url: str, events: int) -> dict[str, Any]:
    """Sequential RFOs, one endpoint: ms from the request sent / the 201 received to the receiver's 2xx."""
    arrivals = Arrivals()
    with arrivals.rx:
        vendor = _register(url, "vendor", "benchhooksv")
        buyers = [_register(url, "buyer", f"benchhooksb{i}") for i in range(-(-events // RFOS_PER_BUYER))]
        _endpoint(url, vendor, arrivals.rx.url("/lat"))
        conn = http_client.Connection(url)
        posted: dict[str, tuple[float, float]] = {}
        for i in range(events):
            resp = conn.request("POST", "/v1/rfos", rfo_body(title=f"Latency {i}"), key=buyers[i // RFOS_PER_BUYER])
            if resp.status != 201:
                raise RuntimeError(f"POST /v1/rfos: {resp.status} {resp.body!r}")
            posted[str(resp.body["id"])] = (resp.sent_at, resp.received_at)
        arrivals.wait(events, timeout=120 + events)
    sent = [(arrivals.at[("/lat", r)] - s) * 1000 for r, (s, _) in posted.items()]
    committed = [(arrivals.at[("/lat", r)] - c) * 1000 for r, (_, c) in posted.items()]
    return {"from request sent": sent, "from 201 received": committed}


def throughput(url: str, events: int, n_endpoints: int) -> dict[str, float]:
    arrivals = Arrivals()
    n_rfos = max(1, events // n_endpoints)
    with arrivals.rx:
        vendor = _register(url, "vendor", "benchburstv")
        buyers = [_register(url, "buyer", f"benchburstb{i}") for i in range(-(-n_rfos // RFOS_PER_BUYER))]
        for i in range(n_endpoints):
            _endpoint(url, vendor, arrivals.rx.url(f"/burst/{i}"))
        pool = http_client.connections(url, 4)
        locks = [threading.Lock() for _ in pool]

        def one(i: int) -> None:
            with locks[i % len(pool)]:
                body = rfo_body(title=f"Burst {i}")
                resp = pool[i % len(pool)].request("POST", "/v1/rfos", body, key=buyers[i // RFOS_PER_BUYER])
            if resp.status != 201:
                raise RuntimeError(f"POST /v1/rfos: {resp.status}")

        t0 = time.time()
        with ThreadPoolExecutor(len(pool)) as ex:
            list(ex.map(one, range(n_rfos)))
        posted_s = time.time() - t0
        total = n_rfos * n_endpoints
        arrivals.wait(total, timeout=120 + total)
    times = sorted(arrivals.at.values())
    span = times[-1] - times[0]
    return {
        "deliveries": float(total),
        "rfos posted": float(n_rfos),
        "post s": posted_s,
        "delivery span s": span,
        "deliveries/s": (total - 1) / span if span > 0 else float("inf"),
    }


def _table(rows: Sequence[Sequence[str]]) -> None:
    """Numbers right-aligned, text left."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def cell(c: str, w: int) -> str:
        return c.rjust(w) if c.replace(".", "", 1).isdigit() else c.ljust(w)

    for n, r in enumerate(rows):
        print("  " + "  ".join(cell(c, w) for c, w in zip(r, widths, strict=True)).rstrip())
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


def with_runtime(url: str | None, run: Callable[[str], None]) -> None:
    if url:
        run(url)
        return
    with tempfile.TemporaryDirectory(prefix="bench-hooks-") as tmp:
        rt = launcher.start(Path(tmp), env={"INTENTBID_AUTH_FAILURES_PER_MINUTE": "0"})
        try:
            run(rt.url)
        finally:
            rt.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--events", type=int, default=1000, help="events for the latency run and the burst (default 1000)")
    p.add_argument("--burst-endpoints", type=int, default=10)
    p.add_argument("--url", help="a running runtime (make dev); default: start one")
    p.add_argument("--calls-only", action="store_true", help="only the in-process AWS calls per delivery")
    args = p.parse_args()

    benchlib.offline({"TABLE_PREFIX": "intentbid-bench-", "POWERTOOLS_LOG_LEVEL": "ERROR"})
    with benchlib.moto_tables("intentbid-bench-"):
        rows = calls_per_delivery()
    print("AWS calls per delivery attempt (in-process moto, the real webhook_deliver handler)\n")
    _table([("attempt", "calls", "operations")] + [(k, str(len(v)), ", ".join(v)) for k, v in rows.items()])
    ok = len(rows["first attempt succeeds"])
    summary = [f"{ok} AWS calls per successful delivery (goal <= 3)"]
    if not args.calls_only:
        os.environ.pop("AWS_ENDPOINT_URL", None)

        def measure(url: str) -> None:
            lat = latency(url, args.events)
            print(f"\nLatency over {args.events} events (ms; committing request -> receiver's 2xx)\n")
            table: list[tuple[str, ...]] = [("from", "p50", "p95", "p99", "max", "mean")]
            for name, values in lat.items():
                table.append(
                    (
                        name,
                        *(f"{pct(values, q):.0f}" for q in (50, 95, 99)),
                        f"{max(values):.0f}",
                        f"{statistics.mean(values):.0f}",
                    )
                )
            _table(table)
            sent = lat["from request sent"]
            summary.append(
                f"latency p50 {pct(sent, 50):.0f} ms, p99 {pct(sent, 99):.0f} ms (goal <= {GOALS['p50']:.0f} / "
                f"{GOALS['p99']:.0f})"
            )
            tp = throughput(url, args.events, args.burst_endpoints)
            print(f"\nThroughput through one delivery worker ({args.burst_endpoints} endpoints, a burst of RFOs)\n")
            _table([("measure", "value")] + [(k, f"{v:.1f}") for k, v in tp.items()])
            summary.append(f"{tp['deliveries/s']:.1f} deliveries/s through one worker")

        with_runtime(args.url, measure)
    print("\nSUMMARY: " + "; ".join(summary))


if __name__ == "__main__":
    benchlib.report(main)
