"""The fault matrix: a fault (intentbid_local.faults) x a scenario -> the outcome, with the state compared in full.

Two scenarios, each driven by a careful client (``http_client.client_retries``: the same Idempotency-Key on every
retry of a POST, 503 and 409 ``idempotency_in_flight`` re-sent after ``Retry-After``, 502/504 re-sent only when
safe):

- the **marketplace round** (:func:`marketplace_round`): a buyer, an RFO and vendors' offers; index reads right
  after the writes (the buyer's RFO list and the vendors' offer lists read GSIs; an offer by id reads its
  pointer item, strongly consistent); an award, whose losers sweep runs in the outbox dispatcher (a stream
  worker); and an RFO that expires seconds later through the expiry queue (an SQS worker). Then the stored
  state is compared with what was accepted: the offers, the audit entries and the outbox events, each exactly
  once (nothing lost, nothing twice).
- the **load scenario** (:func:`load_round`): ``loadtest.runner.run`` (every answer checked against the rules
  model, the races, the final lists and rankings), sized by its :class:`~loadtest.scenario.LoadConfig`.

``tests/e2e/test_faults.py`` runs both, small, under every fault; ``bench/faults.py`` prints the matrix.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from intentbid_local import http_client
from intentbid_local.testdata import TEN_BOXES, offer_body, rfo_body
from loadtest import runner, scenario
from loadtest.model import Rules

FAULTS = {
    "none": "",
    "gsi_lag": "gsi_lag_ms=300,seed=7",
    "throttle": "throttle=0.1,sdk_backoff=0.05,seed=7",
    "tx_conflict": "tx_conflict=0.1,seed=7",
    "sqs_duplicate": "sqs_duplicate=1,seed=7",
    "worker_crash": "worker_crash=0.3,seed=7",
    "lambda_timeout": "lambda_timeout=0.1,seed=7",
    "lambda_crash": "lambda_crash=0.05,seed=7",
}
TABLE = "intentbid-local-{}"


@dataclass
class Outcome:
    scenario: str
    answers: Counter[str] = field(default_factory=Counter)
    retried: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    conserved: bool = True  # nothing accepted lost, nothing twice, no 500 (the load: lists = rankings = admitted)

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        five = sum(n for s, n in self.answers.items() if s.startswith("5"))
        head = f"{'OK' if self.ok else 'FAILED'}; 5xx {five}; retried {dict(self.retried) or '-'}"
        return "; ".join([head, *self.notes, *self.problems[:5]])


def _scan(aws: Callable[[str], Any], table: str) -> list[dict[str, Any]]:
    ddb, items, start = aws("dynamodb"), [], None
    while True:
        kw = {"ExclusiveStartKey": start} if start else {}
        page = ddb.scan(TableName=TABLE.format(table), ConsistentRead=True, **kw)
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def _s(item: dict[str, Any], name: str) -> str:
    return str((item.get(name) or {}).get("S", ""))


def _wait(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return check()


def marketplace_round(
    url: str, aws: Callable[[str], Any], vendors: int = 3, settle_s: float = 45.0, expiring_in_s: float = 25.0
) -> Outcome:
    out = Outcome("marketplace round")
    answers: list[http_client.Response] = []

    def call(method: str, path: str, body: Any = None, key: str | None = None) -> http_client.Response:
        resp = http_client.request(url, method, path, body, key=key)
        answers.append(resp)
        return resp

    def need(resp: http_client.Response, status: int, what: str) -> Any:
        if resp.status != status:
            raise AssertionError(f"{what}: {resp.status} {resp.body!r}"[:300])
        return resp.body

    with http_client.client_retries(http_client.RetryPolicy(attempts=30)):
        buyer = need(call("POST", "/v1/buyers/register", {"name": "m buyer", "email": "b@example.com"}), 201, "buyer")
        bkey = buyer["api_key"]
        rfo = need(call("POST", "/v1/rfos", rfo_body(title="matrix", **TEN_BOXES), key=bkey), 201, "rfo")
        # Its deadline must outlive a crashed create's in-flight idempotency record (the Lambda timeout: 10 s as
        # deployed) and the retry after it: a retry that arrives past the deadline is rightly a 400 in_past.
        soon = need(
            call("POST", "/v1/rfos", rfo_body(title="expires", expires_in_s=expiring_in_s, **TEN_BOXES), key=bkey),
            201,
            "rfo 2",
        )
        listed = need(call("GET", "/v1/rfos?limit=100", key=bkey), 200, "rfo list")  # a GSI right after the write
        lagged = {rfo["id"], soon["id"]} - {r["id"] for r in listed["data"]}
        accepted: dict[str, str] = {}  # offer id -> vendor id
        for i in range(vendors):
            v = need(
                call("POST", "/v1/vendors/register", {"name": f"m vendor {i}", "email": f"v{i}@example.com"}), 201, "v"
            )
            o = call("POST", f"/v1/rfos/{rfo['id']}/offers", offer_body(unit_price=5_000 + i), key=v["api_key"])
            offer = need(o, 201, f"offer {i}")
            accepted[offer["id"]] = v["vendor"]["id"]
            got = call("GET", f"/v1/offers/{offer['id']}", key=v["api_key"])  # the pointer: strongly consistent
            if got.status != 200 or got.body.get("id") != offer["id"]:
                out.problems.append(f"offer by id right after its write: {got.status}")
            mine = need(call("GET", f"/v1/vendors/{v['vendor']['id']}/offers", key=v["api_key"]), 200, "offers")
            if offer["id"] not in {x["id"] for x in mine["data"]}:
                lagged.add(offer["id"])
        ranking = need(call("GET", f"/v1/rfos/{rfo['id']}/ranking", key=bkey), 200, "ranking")
        if sorted(r["offer_id"] for r in ranking["data"]) != sorted(accepted):
            out.problems.append(f"ranking holds {len(ranking['data'])} offers, {len(accepted)} accepted")
        winner = min(accepted)  # any offer; the rest must end lost
        award = call("POST", f"/v1/rfos/{rfo['id']}/award", {"offer_id": winner, "reason": "matrix"}, key=bkey)
        need(award, 200, "award")
    out.notes.append(f"index reads that lagged {len(lagged)}")

    def swept() -> bool:
        offers = [o for o in _scan(aws, "offers") if _s(o, "rfo_id") == rfo["id"]]
        return len(offers) == len(accepted) and all(_s(o, "status") in ("won", "lost") for o in offers)

    def expired() -> bool:
        return any(_s(r, "id") == soon["id"] and _s(r, "status") == "EXPIRED" for r in _scan(aws, "rfos"))

    if not _wait(swept, settle_s):
        out.problems.append("the losers sweep did not finish")
    if not _wait(expired, settle_s):
        out.problems.append("the expiring RFO was not expired by its worker")
    time.sleep(1.5)  # duplicates of the workers' last batches, had any been applied twice, would land by now
    out.problems += compare_state(aws, rfo["id"], soon["id"], accepted, winner)
    out.answers = Counter(str(a.status) for a in answers)
    out.retried = Counter(f"{s} {c}" for a in answers for s, c in a.history)
    out.problems += [f"answer {a.status} {a.code}" for a in answers if a.status >= 500]
    return out


def compare_state(
    aws: Callable[[str], Any], rfo_id: str, soon_id: str, accepted: dict[str, str], winner: str
) -> list[str]:
    """Offers, audit entries and outbox events as stored against what was accepted: each exactly once."""
    problems: list[str] = []
    stored = {_s(o, "id"): o for o in _scan(aws, "offers") if _s(o, "rfo_id") == rfo_id and _s(o, "id")}
    if set(stored) != set(accepted):
        problems.append(f"offers stored {len(stored)}, accepted {len(accepted)}")
    statuses = {oid: _s(o, "status") for oid, o in stored.items()}
    if statuses.get(winner) != "won" or any(s != "lost" for oid, s in statuses.items() if oid != winner):
        problems.append(f"offer statuses after the award: {sorted(Counter(statuses.values()).items())}")
    events = _scan(aws, "outbox")
    ids = [_s(e, "id") for e in events]
    if len(ids) != len(set(ids)):
        problems.append("an outbox event id twice")
    per = Counter((_s(e, "type"), _s(e, "subject_id")) for e in events)
    expected = {("rfo.created", rfo_id): 1, ("rfo.created", soon_id): 1, ("rfo.awarded", rfo_id): 1}
    expected[("rfo.expired", soon_id)] = 1
    for oid in accepted:
        expected[("offer.submitted", oid)] = 1
        expected[("offer.won" if oid == winner else "offer.lost", oid)] = 1
    wrong = {k: per.get(k, 0) for k, n in expected.items() if per.get(k, 0) != n}
    if wrong:
        problems.append(f"outbox events not exactly once: {sorted(wrong.items())[:4]}")
    audit = _scan(aws, "audit")
    entry_ids = [_s(a, "id") for a in audit]
    if len(entry_ids) != len(set(entry_ids)):
        problems.append("an audit entry id twice")
    acts = Counter((_s(a, "action"), _s(a, "target_id")) for a in audit)
    for what in (("create", rfo_id), ("create", soon_id), ("award", rfo_id), ("expire", soon_id)):
        if acts.get(what, 0) != 1:
            problems.append(f"audit {what[0]} of {what[1]}: {acts.get(what, 0)} entries, expected 1")
    for oid in accepted:
        n = sum(v for (act, target), v in acts.items() if target == oid and act in ("submit", "offer_submit"))
        if n != 1:
            problems.append(f"audit submit of {oid}: {n} entries, expected 1")
    return problems


def load_round(url: str, config: scenario.LoadConfig, rules: Rules) -> Outcome:
    out = Outcome("load scenario")
    # ~90 s of patience: a request may strike several in-flight windows (a crashed or timed-out attempt's
    # idempotency record blocks its key for the 10 s Lambda timeout) one after another.
    with http_client.client_retries(http_client.RetryPolicy(attempts=90)):
        rep = runner.run(url, config, rules, log=lambda s: None)
    out.answers = Counter(str(r.response.status) for r in rep.answered if r.response)
    out.retried = Counter(f"{s} {c}" for r in rep.answered if r.response for s, c in r.response.history)
    out.problems = list(rep.problems)
    c = rep.counts
    out.conserved = c["listed"] == c["accepted"] == c["ranked"] and not any(
        r.error or (r.response is not None and r.response.status == 500) for r in rep.records
    )
    out.notes.append(f"{len(rep.records)} requests, {rep.counts['accepted']} offers admitted = listed = ranked")
    return out
