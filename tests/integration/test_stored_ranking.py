"""Rankings at O(page), through the real handlers on moto: the by_rank index read page by page equals the full
computation (ties, limit, cursor, explain per page, expired validity, withdrawals); a weights change makes the
RFO ``recomputing`` (reads computed in full under the new weights meanwhile), and the outbox-driven recompute,
crashed mid-way and redelivered, ends ``current`` with every stored score equal to the recomputed one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from helpers import create_rfo, register, submit
from lambda_harness import call, invoke, stream_inserts

from intentbid.domain import ids
from intentbid.services import scores
from intentbid.store.dynamo import DynamoStore
from intentbid.store.models.offers import OfferModel
from intentbid_local.timefmt import rfc3339

pytestmark = pytest.mark.usefixtures("aws")


def _outbox(kind: str) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName="intentbid-test-outbox")["Items"]
    return sorted((i for i in items if i["type"]["S"] == kind), key=lambda i: i["id"]["S"])


def _dispatch(kind: str, done: set[str]) -> list[dict[str, Any]]:
    """Feed every event of ``kind`` not yet in ``done`` to outbox_dispatch, as its stream would."""
    results = []
    for image in _outbox(kind):
        if image["id"]["S"] not in done:
            results.append(call("outbox_dispatch", stream_inserts(image)))
            done.add(image["id"]["S"])
    return results


def _insert_ties(rfo_id: str, template_id: str, n: int, *, expired: int = 0) -> None:
    """``n`` offers with identical terms (a tie down to sha256(rfo_id:offer_id)) written as a submission writes
    them (stored score); the first ``expired`` with a valid_until already passed."""
    from intentbid.store import rfos

    rfo = rfos.get(rfo_id)
    assert rfo is not None
    template = OfferModel.get(rfo_id, template_id, consistent_read=True).attribute_values
    with OfferModel.batch_write() as batch:
        for i in range(n):
            fields = {k: v for k, v in template.items() if k not in ("rfo_id", "id")}
            offer = OfferModel(rfo_id, ids.new_id("off"), **fields)
            if i < expired:
                offer.valid_until = datetime.now(UTC) - timedelta(minutes=5)
            stored = scores.fields_for(rfo, scores.input_of(offer))
            assert stored is not None
            for k, v in stored.items():
                setattr(offer, k, v)
            batch.save(offer)


def _ranking(buyer: dict[str, Any], rfo_id: str, route: str = "ranking", **query: Any) -> dict[str, Any]:
    status, _, body = invoke(
        route, principal=buyer, path={"rfo_id": rfo_id}, query={k: str(v) for k, v in query.items()}
    )
    assert status == 200, body
    return dict(body)


def _pages(buyer: dict[str, Any], rfo_id: str, limit: int, route: str = "ranking") -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = _ranking(buyer, rfo_id, route, limit=limit, **({"cursor": cursor} if cursor else {}))
        assert len(page["data"]) <= limit
        rows += page["data"]
        cursor = page["next_cursor"]
        if cursor is None:
            return rows


@pytest.fixture
def market() -> dict[str, Any]:
    buyer = register("buyer")
    rfo = create_rfo(buyer, expires_at=rfc3339(datetime.now(UTC) + timedelta(hours=2)))
    offers = []
    for v in range(3):
        vendor = register("vendor", f"Vendor{v}")
        for price, eta in ((3_000, 3), (2_900, 5), (3_000 + 100 * v, 2)):
            status, body = submit(vendor, rfo["id"], unit_price=price, eta_days=eta)
            assert status == 201, body
            offers.append((vendor, body))
    _insert_ties(rfo["id"], offers[0][1]["id"], 14, expired=3)
    vendor, withdrawn = offers[4]
    assert invoke("offer_withdraw", principal=vendor, path={"offer_id": withdrawn["id"]})[0] == 200
    return {"buyer": buyer, "rfo": rfo, "withdrawn": withdrawn["id"]}


@pytest.mark.parametrize("limit", [1, 6, 100])
def test_pages_of_the_index_equal_the_full_ranking(market: dict[str, Any], limit: int) -> None:
    buyer, rfo_id = market["buyer"], market["rfo"]["id"]
    full = _ranking(buyer, rfo_id)
    assert full["ranking_status"] == "current" and full["next_cursor"] is None
    assert len(full["data"]) == 9 - 1 + 14 and market["withdrawn"] not in [r["offer_id"] for r in full["data"]]
    assert [r["awardable"] for r in full["data"]] == [True] * 19 + [False] * 3  # expired validity: last
    assert [r["rank"] for r in full["data"]] == list(range(1, 23))
    assert _pages(buyer, rfo_id, limit) == full["data"]


def test_explain_works_per_page(market: dict[str, Any]) -> None:
    buyer, rfo_id = market["buyer"], market["rfo"]["id"]
    full = _ranking(buyer, rfo_id, "ranking_explain")
    assert _pages(buyer, rfo_id, 5, "ranking_explain") == full["data"]
    page = _ranking(buyer, rfo_id, "ranking_explain", limit=5)
    ranking_page = _ranking(buyer, rfo_id, limit=5)
    assert [e["offer_id"] for e in page["data"]] == [r["offer_id"] for r in ranking_page["data"]]
    assert page["next_cursor"] == ranking_page["next_cursor"]


def test_a_tampered_or_foreign_cursor_is_a_400(market: dict[str, Any]) -> None:
    buyer, rfo_id = market["buyer"], market["rfo"]["id"]
    cursor = _ranking(buyer, rfo_id, limit=2)["next_cursor"]
    other = create_rfo(buyer)
    for bad, target in ((cursor + "x", rfo_id), (cursor, other["id"]), ("e30", rfo_id)):
        status, _, body = invoke(
            "ranking", principal=buyer, path={"rfo_id": target}, query={"limit": "2", "cursor": bad}
        )
        assert status == 400 and body["code"] == "invalid_cursor", body


def _assert_stored_equal_recomputed(rfo_id: str) -> int:
    from intentbid.store import rfos

    rfo = rfos.get(rfo_id)
    assert rfo is not None
    checked = 0
    for o in OfferModel.query(rfo_id, consistent_read=True):
        if o.status == "withdrawn":
            assert o.rank_key is None
            continue
        expected = scores.fields_for(rfo, scores.input_of(o))
        assert expected is not None
        assert {k: getattr(o, k) for k in expected} == expected, o.id
        checked += 1
    return checked


def test_weights_change_recomputes_in_resumable_batches_and_reads_stay_correct(
    market: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    buyer, rfo_id = market["buyer"], market["rfo"]["id"]
    monkeypatch.setattr(scores, "BATCH", 5)  # 22 ranked offers: five batches
    before = _ranking(buyer, rfo_id)["data"]
    status, _, rfo = invoke("rfo_weights", principal=buyer, path={"rfo_id": rfo_id}, body={"profile": "fastest"})
    assert status == 200 and rfo["ranking_status"] == "recomputing", rfo
    assert invoke("rfo_get", principal=buyer, path={"rfo_id": rfo_id})[2]["ranking_status"] == "recomputing"
    full_new = _ranking(buyer, rfo_id)
    assert full_new["ranking_status"] == "recomputing" and full_new["data"] != before
    assert _pages(buyer, rfo_id, 4) == full_new["data"]  # computed under the new weights, never mixed

    done: set[str] = set()
    assert _dispatch("rfo.ranking_pending", done) == [{"batchItemFailures": []}]  # the first batch
    # the next batch crashes before its transaction: the stream delivers it again
    real = DynamoStore.write_scores

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("worker crashed mid-batch")

    monkeypatch.setattr(DynamoStore, "write_scores", crash)
    with pytest.raises(BatchProcessingError):  # the whole batch failed: Lambda retries it
        _dispatch("rfo.ranking_pending", done)
    assert _pages(buyer, rfo_id, 4) == full_new["data"]  # half recomputed: still the one correct ranking
    monkeypatch.setattr(DynamoStore, "write_scores", real)
    done -= {i["id"]["S"] for i in _outbox("rfo.ranking_pending")[-1:]}  # redelivered
    rounds = 0
    while _dispatch("rfo.ranking_pending", done):
        rounds += 1
    assert rounds == 4  # the redelivered batch, then three more (the last marks the ranking current)
    after = _ranking(buyer, rfo_id)
    assert after["ranking_status"] == "current" and after["data"] == full_new["data"]
    assert _pages(buyer, rfo_id, 4) == full_new["data"]
    assert _assert_stored_equal_recomputed(rfo_id) == 22
    # at-least-once: every ranking event again writes nothing and changes nothing
    for image in _outbox("rfo.ranking_pending"):
        assert call("outbox_dispatch", stream_inserts(image)) == {"batchItemFailures": []}
    assert _ranking(buyer, rfo_id)["data"] == full_new["data"]


def test_submit_and_revise_store_the_score_and_a_submission_stamps_the_vendor_name(market: dict[str, Any]) -> None:
    buyer, rfo_id = market["buyer"], market["rfo"]["id"]
    vendor = register("vendor", "Late")
    status, offer = submit(vendor, rfo_id, unit_price=2_000)
    assert status == 201
    assert _ranking(buyer, rfo_id, limit=1)["data"][0]["offer_id"] == offer["id"]
    done: set[str] = set()
    _dispatch("offer.submitted", done)
    stored = OfferModel.get(rfo_id, offer["id"], consistent_read=True)
    assert stored.vendor_name == "Late"
    assert _assert_stored_equal_recomputed(rfo_id) == 23
