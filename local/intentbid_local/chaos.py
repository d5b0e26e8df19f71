"""Webhook chaos: events through the real pipeline of a local runtime to a receiver that fails, times out and
answers 429 (``Retry-After``) on a seeded schedule, then a check that nothing was lost or mixed up.

Used by ``tests/e2e/test_webhook_chaos.py`` (a few hundred deliveries) and ``bench/webhook_chaos.py`` (1,000).
The runtime needs a compressed schedule (:data:`RUNTIME_ENV`) and a short visibility timeout
(``--visibility-timeout``), so a crashed worker's batch comes back within seconds.

The receiver's fate of a delivery is drawn from (seed, endpoint, ``webhook-id``), not from arrival order, so a
run is reproducible whatever the threads do: most succeed at once, some fail once (500, 503, 429 with
``Retry-After: 1``, or a 200 too late: past the sender's deadline) then succeed, and some fail every attempt
(``dead``). A receiver dedupes on ``webhook-id`` as the Standard Webhooks spec says: once it answered 2xx to an
event it answers 2xx to every copy. 410 disables an endpoint at once, so only a dedicated endpoint (``/gone``)
ever answers it; the chaotic ones never do.

:func:`run` plays it: registration, the endpoints, ``n_rfos`` RFOs (one ``rfo.created`` per chaotic endpoint
each), waits until every delivery is final (``succeeded`` or ``dead``) and the queue is empty, checks, heals the
receiver, delivers the dead ones again (``redrive``: the DLQ's messages back to the queue as ops would, or
``recover``: the recover route), waits, checks that every delivery succeeded. Returns a :class:`Report`; every
failed check raises :class:`ChaosFailed` naming it.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from standardwebhooks.webhooks import Webhook

from intentbid_local import http_client
from intentbid_local.testdata import rfo_body
from intentbid_local.webhook_receiver import Answer, Received, Receiver

TIMEOUT_S = 1  # the sender's deadline (INTENTBID_WEBHOOK_TIMEOUT_S)
LATE_S = 1.4  # a "timeout" answer: a 200 after this long, past the deadline
RUNTIME_ENV = {
    "INTENTBID_WEBHOOK_RETRY_SCHEDULE": "0,1,1",  # three attempts, a second apart
    "INTENTBID_WEBHOOK_RETRY_JITTER_PCT": "0",
    "INTENTBID_WEBHOOK_CONNECT_TIMEOUT_S": str(TIMEOUT_S),
    "INTENTBID_WEBHOOK_TIMEOUT_S": str(TIMEOUT_S),
    "INTENTBID_WEBHOOK_DISABLE_AFTER_S": "0",  # a run is far shorter than the failing-streak rule
    "INTENTBID_AUTH_FAILURES_PER_MINUTE": "0",
    "INTENTBID_RATE_LIMIT_REGISTER": "1000/3600",
}
VISIBILITY_TIMEOUT_S = 6  # > a batch of attempts (each within TIMEOUT_S), and a crashed batch is back soon
CRASH_FAULTS = "worker_crash=0.15,worker_crash_only=webhook_deliver"
CHAOTIC = ("/chaos/a", "/chaos/b", "/chaos/c")
GONE = "/gone"
RFOS_PER_BUYER = 100  # the per-key rate limit is 120 requests a minute


class ChaosFailed(AssertionError):
    pass


def subject(got: Received) -> str:
    """What a delivery is about, stable across runs: the RFO's title ("Chaos 7") when the body has one, else its
    ``webhook-id`` (event ids are new each run, so fates keyed by them are not)."""
    try:
        title = json.loads(got.body)["data"]["object"].get("title")
    except (ValueError, KeyError, TypeError, AttributeError):
        title = None
    return str(title or got.headers.get("webhook-id", ""))


def fate(seed: int, path: str, subject: str) -> list[Answer]:
    """The answers to successive attempts of one delivery (the last repeats): the same for the same seed, path
    and subject, so the number of dead deliveries of a seeded run is a fact of the seed, not luck."""
    r = random.Random(f"{seed}/{path}/{subject}").random()  # noqa: S311 - a test schedule
    fail: list[Answer] = [500, 503, (429, {"Retry-After": "1"}), (200, {}, LATE_S)]
    if r < 0.62:
        return [200]
    if r < 0.90:  # one failure of each kind, then success
        return [fail[int((r - 0.62) / 0.07)], 200]
    if r < 0.94:
        return [500, (429, {"Retry-After": "1"}), 200]  # the schedule's last attempt succeeds
    return [500, 503, 500]  # dead (three attempts, all failed)


class ChaosReceiver:
    """Answers each chaotic path by :func:`fate`, ``/gone`` with 410; records every request."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.healed = False  # then every chaotic request is answered 200 (the receiver is fixed)
        self.attempts: Counter[tuple[str, str]] = Counter()  # (path, webhook-id) -> requests
        self.handled: set[tuple[str, str]] = set()  # answered 2xx at least once (its dedupe set)
        self.duplicates = 0  # requests for an event it had already answered 2xx (the same webhook-id)
        self._lock = threading.Lock()
        self.rx = Receiver(respond=self.respond)

    def respond(self, got: Received) -> Answer:
        if got.path == GONE:
            return 410
        key = (got.path, got.headers.get("webhook-id", ""))
        with self._lock:
            self.attempts[key] += 1
            n = self.attempts[key]
            if key in self.handled:
                self.duplicates += 1
            if self.healed or key in self.handled:
                self.handled.add(key)
                return 200
            answers = fate(self.seed, got.path, subject(got))
            answer = answers[min(n, len(answers)) - 1]
            if answer == 200 or (isinstance(answer, tuple) and answer[0] == 200):
                self.handled.add(key)
            return answer

    def __enter__(self) -> ChaosReceiver:
        self.rx.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.rx.__exit__(*exc)


@dataclass
class Report:
    deliveries: int = 0  # (event, chaotic endpoint) pairs
    succeeded_first_pass: int = 0
    dead_first_pass: int = 0
    attempts: int = 0  # attempts recorded on the chaotic endpoints, first pass
    receiver_requests: int = 0  # requests the receiver saw on them, first pass
    duplicates: int = 0  # a 2xx-handled event received again (same webhook-id): crash, late 200
    gone_requests: int = 0
    redelivered: int = 0
    crashes: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [
            f"deliveries {self.deliveries}: {self.succeeded_first_pass} succeeded, {self.dead_first_pass} dead, "
            f"{self.attempts} attempts (receiver saw {self.receiver_requests}), {self.duplicates} duplicate(s) "
            f"with the same webhook-id",
            f"410 endpoint: {self.gone_requests} request(s) before it was disabled; dead ones delivered again: "
            f"{self.redelivered}; worker crashes: {self.crashes}",
            "phases: " + ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items()),
        ]


def check(ok: bool, what: str) -> None:
    if not ok:
        raise ChaosFailed(what)


class Api:
    def __init__(self, url: str) -> None:
        self.url = url
        self.pool = http_client.connections(url, 4)

    def call(self, method: str, path: str, body: Any = None, key: str | None = None, expect: int = 200) -> Any:
        """One request; a 429 (the per-key rate limit) waits its ``Retry-After`` and asks again."""
        resp = http_client.request(self.url, method, path, body, key=key)
        while resp.status == 429:
            time.sleep(float(resp.headers.get("Retry-After") or 1))
            resp = http_client.request(self.url, method, path, body, key=key)
        check(resp.status == expect, f"{method} {path}: {resp.status} {resp.body!r}")
        return resp.body

    def register(self, kind: str, name: str) -> str:
        body = {"name": name, "email": f"{name}@chaos.example"}
        return str(self.call("POST", f"/v1/{kind}s/register", body, expect=201)["api_key"])

    def endpoint(self, key: str, url: str) -> tuple[str, str]:
        out = self.call("POST", "/v1/webhooks", {"url": url, "events": ["rfo.created"]}, key=key, expect=201)
        return str(out["webhook"]["id"]), str(out["secret"])

    def post_rfos(self, keys: list[str], n: int) -> list[tuple[str, float]]:
        """``n`` RFOs over 4 connections, :data:`RFOS_PER_BUYER` per buyer key (under the per-key rate limit):
        (id, when its create was sent, epoch s) each."""

        def one(i: int) -> tuple[str, float]:
            conn = self.pool[i % len(self.pool)]
            with lock_of[id(conn)]:
                resp = conn.request("POST", "/v1/rfos", rfo_body(title=f"Chaos {i}"), key=keys[i // RFOS_PER_BUYER])
            check(resp.status == 201, f"POST /v1/rfos: {resp.status} {resp.body!r}")
            return str(resp.body["id"]), resp.sent_at

        lock_of = {id(c): threading.Lock() for c in self.pool}
        with ThreadPoolExecutor(len(self.pool)) as ex:
            return list(ex.map(one, range(n)))

    def deliveries(self, key: str, webhook_id: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        cursor = None
        while True:
            q = f"?limit=100{f'&cursor={cursor}' if cursor else ''}"
            page = self.call("GET", f"/v1/webhooks/{webhook_id}/deliveries{q}", key=key)
            out.extend(page["data"])
            cursor = page.get("next_cursor")
            if not cursor:
                return out


def queue_depth(sqs: Any, url: str) -> int:
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attrs.get(n, 0)) for n in names)


def wait(done: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise ChaosFailed(f"not reached in {timeout:.0f}s: {what}")
        time.sleep(0.5)


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Every message of ``url`` (a DLQ), received and deleted."""
    got: list[dict[str, Any]] = []
    while True:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not msgs:
            if queue_depth(sqs, url) == 0:
                return got
            time.sleep(0.2)
            continue
        got.extend(msgs)
        sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)]
        )


def run(
    url: str,
    sqs: Any,
    *,
    n_rfos: int,
    seed: int,
    again: str = "redrive",
    settle_timeout_s: float = 120,
    crash_count: Callable[[], int] | None = None,
) -> Report:
    """Play the chaos on the runtime at ``url`` (``sqs``: a client on its moto). See the module docstring."""
    report, t0 = Report(), time.monotonic()
    api = Api(url)
    queue = sqs.get_queue_url(QueueName="intentbid-local-webhook")["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName="intentbid-local-webhook-dlq")["QueueUrl"]
    with ChaosReceiver(seed) as rec:
        vendor = api.register("vendor", f"chaosv{seed}")
        buyers = [api.register("buyer", f"chaosb{seed}x{i}") for i in range(math.ceil(n_rfos / RFOS_PER_BUYER))]
        hooks = {path: api.endpoint(vendor, rec.rx.url(path)) for path in (*CHAOTIC, GONE)}
        started = datetime.now(UTC) - timedelta(seconds=5)
        rfos = api.post_rfos(buyers, n_rfos)
        report.seconds["post"] = time.monotonic() - t0
        report.deliveries = n_rfos * len(CHAOTIC)

        def final() -> bool:
            if queue_depth(sqs, queue):  # cheap: the records are read only once the queue is empty
                return False
            for path in CHAOTIC:
                ds = api.deliveries(vendor, hooks[path][0])
                if len(ds) < n_rfos or any(d["status"] not in ("succeeded", "dead") for d in ds):
                    return False
            return queue_depth(sqs, queue) == 0

        wait(final, settle_timeout_s, "every delivery succeeded or dead, the queue empty")
        report.seconds["settle"] = time.monotonic() - t0
        first = {path: api.deliveries(vendor, hooks[path][0]) for path in CHAOTIC}
        dead = _check_first_pass(rec, hooks, first, n_rfos, report)
        _check_gone(api, vendor, hooks[GONE][0], rec, n_rfos, report)
        for path in CHAOTIC:  # never a 410 there: still enabled, whatever else they answered
            check(api.call("GET", f"/v1/webhooks/{hooks[path][0]}", key=vendor)["status"] == "enabled", path)

        # heal the receiver and deliver the dead ones again
        rec.healed = True
        in_dlq = drain(sqs, dlq)
        dlq_ids = {json.loads(m["Body"])["delivery_id"] for m in in_dlq}
        gone_dead = {d["id"] for d in api.deliveries(vendor, hooks[GONE][0]) if d["status"] == "dead"}
        check(dlq_ids == dead | gone_dead, f"the DLQ holds the dead deliveries: {len(dlq_ids)} vs {len(dead)}")
        if again == "redrive":
            for m in in_dlq:
                if json.loads(m["Body"])["delivery_id"] in dead:
                    sqs.send_message(QueueUrl=queue, MessageBody=m["Body"])
        else:
            for path in CHAOTIC:
                n_dead = sum(1 for d in first[path] if d["status"] == "dead")
                body = {"since": started.isoformat().replace("+00:00", "Z")}
                out = api.call("POST", f"/v1/webhooks/{hooks[path][0]}/recover", body, key=vendor, expect=202)
                check(out["queued"] == n_dead, f"recover queued {out['queued']} of {n_dead} dead on {path}")
        report.redelivered = len(dead)

        def all_succeeded() -> bool:
            return queue_depth(sqs, queue) == 0 and all(  # (short-circuits while the queue is busy)
                d["status"] == "succeeded" for p in CHAOTIC for d in api.deliveries(vendor, hooks[p][0])
            )

        wait(all_succeeded, settle_timeout_s, "every dead delivery delivered again")
        report.seconds["again"] = time.monotonic() - t0
        _check_received(rec, hooks, {p: api.deliveries(vendor, hooks[p][0]) for p in CHAOTIC}, rfos)
        report.duplicates = rec.duplicates
        report.crashes = crash_count() if crash_count else 0
    return report


def _check_first_pass(
    rec: ChaosReceiver,
    hooks: dict[str, tuple[str, str]],
    first: dict[str, list[dict[str, Any]]],
    n_rfos: int,
    report: Report,
) -> set[str]:
    """One delivery record per (event, endpoint), each succeeded or dead; every recorded attempt reached the
    receiver and nothing else did; the receiver handled each succeeded one and none of the dead. The dead ids."""
    dead: set[str] = set()
    for path in CHAOTIC:
        ds = first[path]
        check(len(ds) == n_rfos, f"{path}: {len(ds)} delivery records for {n_rfos} events")
        check(len({d["event_id"] for d in ds}) == n_rfos, f"{path}: one record per event")
        for d in ds:
            key = (path, d["event_id"])
            seen = rec.attempts[key]
            check(seen == d["attempt"], f"{path} {d['id']}: {d['attempt']} attempts recorded, receiver saw {seen}")
            if d["status"] == "succeeded":
                report.succeeded_first_pass += 1
                check(key in rec.handled, f"{path} {d['id']} succeeded but the receiver never answered 2xx")
            else:
                report.dead_first_pass += 1
                dead.add(d["id"])
                check(key not in rec.handled, f"{path} {d['id']} is dead but the receiver answered 2xx")
                check(d["attempt"] >= 3, f"{path} {d['id']} dead after {d['attempt']} attempts")
            report.attempts += d["attempt"]
            report.receiver_requests += seen
        check({k[1] for k in rec.attempts if k[0] == path} == {d["event_id"] for d in ds}, f"{path}: strangers")
    return dead


def _check_gone(api: Api, vendor: str, webhook_id: str, rec: ChaosReceiver, n_rfos: int, report: Report) -> None:
    """The 410 endpoint is disabled (``gone``) and each of its deliveries reached it at most once (a 410 is never
    retried); once disabled, nothing more is sent to it."""
    hook = api.call("GET", f"/v1/webhooks/{webhook_id}", key=vendor)
    check(hook["status"] == "disabled" and hook["disabled_reason"] == "gone", f"410 endpoint: {hook}")
    gone = [r for r in rec.rx.requests if r.path == GONE]
    per_id = Counter(r.headers.get("webhook-id") for r in gone)
    check(all(n == 1 for n in per_id.values()), "a 410 was retried")
    report.gone_requests = len(gone)
    check(0 < len(gone) < n_rfos, f"410 endpoint got {len(gone)} of {n_rfos} events (disabled at once?)")


def _check_received(
    rec: ChaosReceiver,
    hooks: dict[str, tuple[str, str]],
    final: dict[str, list[dict[str, Any]]],
    rfos: list[tuple[str, float]],
) -> None:
    """In the end: every event delivered to each chaotic endpoint, every request signed by that endpoint's
    secret, its ``webhook-id`` the event's id, each RFO under exactly one event id (duplicates only as copies)."""
    rfo_ids = {r for r, _ in rfos}
    for path in CHAOTIC:
        verifier = Webhook(hooks[path][1])
        events_of: dict[str, set[str]] = defaultdict(set)
        for r in (r for r in rec.rx.requests if r.path == path):
            payload = verifier.verify(r.body, r.headers)
            check(payload["id"] == r.headers["webhook-id"], f"{path}: webhook-id is not the event id")
            events_of[payload["data"]["object"]["id"]].add(payload["id"])
        check(set(events_of) == rfo_ids, f"{path}: {len(rfo_ids - set(events_of))} RFO(s) never delivered")
        check(all(len(e) == 1 for e in events_of.values()), f"{path}: an RFO came under two webhook-ids")
        check(all((path, d["event_id"]) in rec.handled for d in final[path]), f"{path}: not every event handled")
        for d in final[path]:
            check(rec.attempts[(path, d["event_id"])] == d["attempt"], f"{path} {d['id']}: attempts != requests")
