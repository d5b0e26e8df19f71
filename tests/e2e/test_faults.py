"""A marketplace round on a runtime that throttles and conflicts (intentbid_local.faults), driven by a careful
client (http_client.client_retries: the same Idempotency-Key on every retry): no 500 ever, every retried answer
is a 503 service_unavailable with Retry-After (or 409 idempotency_in_flight), and the final state holds exactly
what was accepted, once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from loadtest import faultmatrix, scenario
from loadtest.model import Rules

from intentbid_local import http_client
from intentbid_local.testdata import TEN_BOXES, offer_body, rfo_body

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
PLAN = "throttle=0.1,tx_conflict=0.1,sdk_backoff=0.05,seed=7"
VENDORS = 3


def test_a_round_under_throttling_and_conflicts_converges_to_one_true_outcome(
    runtime_factory: Callable[..., Any],
) -> None:
    rt = runtime_factory(env={"INTENTBID_LOCAL_FAULTS": PLAN, "INTENTBID_AUTH_FAILURES_PER_MINUTE": "0"})
    answers: list[http_client.Response] = []

    def call(method: str, path: str, body: Any = None, key: str | None = None) -> http_client.Response:
        resp = http_client.request(rt.url, method, path, body, key=key)
        answers.append(resp)
        return resp

    with http_client.client_retries():
        buyer = call("POST", "/v1/buyers/register", {"name": "fault buyer", "email": "b@example.com"})
        assert buyer.status == 201, buyer.body
        rfo = call("POST", "/v1/rfos", rfo_body(title="faults", **TEN_BOXES), key=buyer.body["api_key"])
        assert rfo.status == 201, rfo.body
        offers = []
        for i in range(VENDORS):
            v = call("POST", "/v1/vendors/register", {"name": f"fault vendor {i}", "email": f"v{i}@example.com"})
            assert v.status == 201, v.body
            o = call(
                "POST",
                f"/v1/rfos/{rfo.body['id']}/offers",
                offer_body(unit_price=5_000 + i, quantity_available=10),
                key=v.body["api_key"],
            )
            assert o.status == 201, o.body
            offers.append(o.body["id"])
        ranking = call("GET", f"/v1/rfos/{rfo.body['id']}/ranking", key=buyer.body["api_key"])
    assert ranking.status == 200, ranking.body
    assert sorted(r["offer_id"] for r in ranking.body["data"]) == sorted(offers)  # nothing lost, nothing twice
    assert not [a for a in answers if a.status >= 500], [(a.status, a.body) for a in answers if a.status >= 500]
    retried = [h for a in answers for h in a.history]
    assert all(h in ((503, "service_unavailable"), (409, "idempotency_in_flight")) for h in retried), retried
    items = rt.aws("dynamodb").scan(TableName="intentbid-local-offers")["Items"]
    assert len([i for i in items if i["rfo_id"]["S"] == rfo.body["id"]]) == VENDORS
    log = rt.log()
    assert "fault injected: throttle" in log and "fault injected: tx_conflict" in log


def test_a_lambda_killed_mid_handler_leaves_its_key_in_flight_then_the_retry_gets_the_one_outcome(
    runtime_factory: Callable[..., Any],
) -> None:
    """``lambda_crash``: the RFO create is killed right after its idempotency record was written, before its
    transaction (seed 1238: the first keyed invocation is killed, none of the next 79). The record stays in
    flight until the function's deadline (10 s, as deployed): a retry with the same key is 409
    ``idempotency_in_flight`` with Retry-After, never a second run alongside; once the deadline passed the
    retry runs and gets the one true outcome, and replays repeat it."""
    import time

    rt = runtime_factory(env={"INTENTBID_LOCAL_FAULTS": "lambda_crash=0.05,seed=1238"})
    buyer = http_client.request(rt.url, "POST", "/v1/buyers/register", {"name": "crash", "email": "c@example.com"})
    assert buyer.status == 201, buyer.body
    key, body, hdrs = buyer.body["api_key"], rfo_body(title="killed once", **TEN_BOXES), {"Idempotency-Key": "k-1"}
    first = http_client.request(rt.url, "POST", "/v1/rfos", body, key=key, headers=hdrs)
    assert first.status == 502, first.body  # the answer of a killed Lambda
    started, answers = time.monotonic(), []
    while time.monotonic() - started < 30:
        resp = http_client.request(rt.url, "POST", "/v1/rfos", body, key=key, headers=hdrs)
        answers.append((resp.status, resp.code))
        if resp.status != 409:
            break
        assert resp.code == "idempotency_in_flight" and resp.headers["Retry-After"] == "1", resp.body
        time.sleep(1)
    waited = time.monotonic() - started
    assert resp.status == 201 and "Idempotent-Replayed" not in resp.headers, answers
    assert answers[0] == (409, "idempotency_in_flight") and 5 < waited < 15, (answers, waited)  # the 10 s deadline
    again = http_client.request(rt.url, "POST", "/v1/rfos", body, key=key, headers=hdrs)
    assert again.status == 201 and again.headers["Idempotent-Replayed"] == "true" and again.body == resp.body
    rfos = rt.aws("dynamodb").scan(TableName="intentbid-local-rfos")["Items"]
    assert [i["id"]["S"] for i in rfos if i.get("title", {}).get("S") == "killed once"] == [resp.body["id"]]
    assert "fault injected: lambda_crash" in rt.log()


# The load's exact-answer check (every answer as the rules model predicts) where the model cannot follow yet:
# a retried revision lands after its race's winner (throttle), a PATCH's lost answer is of unknown outcome
# (lambda_timeout; PATCH takes no Idempotency-Key). Conservation is still asserted for them.
KNOWN_MODEL_GAPS = ("throttle", "lambda_timeout")
SMALL_LOAD = scenario.LoadConfig(vendors=2, requests=5, seed=7, race_vendors=1, race_threads=3, max_seconds=90.0)
# Every fault of the matrix, grouped by the layer it strikes so that `make test` starts three runtimes, not eight
# (each fault alone, at full load size: `python bench/faults.py`, in `make bench`). Within a group every fault is
# on at once, which is harsher than one at a time; each must show up in the runtime's log as injected.
GROUPS = {
    "store": ("gsi_lag", "throttle", "tx_conflict"),
    "workers": ("sqs_duplicate", "worker_crash"),
    "lambda": ("lambda_timeout", "lambda_crash"),
}


# Shares raised where the small round makes too few calls for the matrix's share to strike (lambda_crash strikes
# only a POST whose idempotency record was just written: 0.05 of a dozen such calls is often none).
RAISED = {"lambda_crash": "lambda_crash=0.3"}


def group_plan(faults: tuple[str, ...]) -> str:
    parts = [p for f in faults for p in RAISED.get(f, faultmatrix.FAULTS[f]).split(",") if not p.startswith("seed=")]
    return ",".join([*parts, "seed=7"])


def test_the_groups_cover_every_fault_of_the_matrix() -> None:
    grouped = [f for faults in GROUPS.values() for f in faults]
    assert sorted(grouped) == sorted(f for f in faultmatrix.FAULTS if f != "none")


@pytest.mark.parametrize("group", [pytest.param(g, marks=pytest.mark.xdist_group(f"faults-{g}")) for g in GROUPS])
def test_the_matrix_each_fault_on_the_marketplace_round_and_a_small_load(
    runtime_factory: Callable[..., Any], group: str
) -> None:
    """The fault matrix (README, Operations -> faults; ``bench/faults.py`` at full size): under each fault the
    round (index reads right after writes, an award swept by the stream worker, an RFO expired by the SQS
    worker) ends with its offers, audit entries and outbox events each stored exactly once, and the small load
    scenario's every answer is what the rules say: no 5xx, nothing accepted lost, nothing applied twice."""
    faults = GROUPS[group]
    rt = runtime_factory(
        "--visibility-timeout",
        "1",
        env={
            **Rules().env(),
            "INTENTBID_LOCAL_FAULTS": group_plan(faults),
            "INTENTBID_AUTH_FAILURES_PER_MINUTE": "0",
            # A crashed or timed-out attempt blocks its Idempotency-Key for the function's timeout: 4 s, not the
            # deployed 10 s, so the careful client's waits are shorter (bench/faults.py runs it as deployed).
            "INTENTBID_LOCAL_API_TIMEOUT_S": "4",
        },
    )
    outcomes = [
        faultmatrix.marketplace_round(rt.url, rt.aws, vendors=2, expiring_in_s=25),
        faultmatrix.load_round(rt.url, SMALL_LOAD, Rules()),
    ]
    print("\n" + "\n".join(f"{group} / {o.scenario}: {o.line()}" for o in outcomes))
    round_, load = outcomes
    assert round_.ok, f"{group} / round: " + "\n".join(round_.problems)
    assert load.conserved, f"{group} / load: " + "\n".join(load.problems)
    if not set(faults) & set(KNOWN_MODEL_GAPS):  # README, "the fault matrix": where the rules model cannot follow
        assert load.ok, f"{group} / load: " + "\n".join(load.problems)
    log = rt.log()
    for fault in faults:
        if fault == "gsi_lag":
            continue  # a lag is not an event: the round counts the index reads that lagged
        assert f"fault injected: {fault}" in log, f"{fault} was never injected"
