"""Stored scores (services.scores) equal recomputed ones, and the by_rank key orders offers exactly as the
version's total order: golden vectors, hypothesis properties, and the use cases on the in-memory store
(submit, revise, a weights change racing a submission, the resumable recompute)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fake_store import FakeOffer, FakeRfo, FakeStore
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_scoring_golden import load, offer_of, rfo_of

from intentbid.domain import clock, ids, scoring
from intentbid.domain.principal import KIND_SCOPES, Principal
from intentbid.schemas.offers import OfferCreate, OfferRevise
from intentbid.schemas.ranking import RankingQuery, WeightsUpdate
from intentbid.services import offers, ranking, scores
from intentbid.store.port import use

OFFER_INDEPENDENT = sorted(v for v in scoring.VERSIONS if scoring.stores_scores(v))
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _by_rank_key(version: scoring.ScoringVersion, rfo: scoring.RfoTerms, offers_: list[scoring.OfferInput], w: Any):
    stored = [scoring.score_offer(version, rfo, o, w) for o in offers_]  # one at a time, as at write time
    return sorted(stored, key=scoring.rank_key)


@pytest.mark.parametrize("version", OFFER_INDEPENDENT)
def test_golden_vectors_stored_one_offer_at_a_time_equal_the_ranking(version: str) -> None:
    """Each offer scored alone (what submit/revise store) gives the golden numbers; sorting by rank_key gives
    the golden order, ties included."""
    v = scoring.get_version(version)
    for case in load(version)["cases"]:
        weights = scoring.normalise_weights(v, case["weights"])
        rfo = rfo_of(case["rfo"])
        ranked = _by_rank_key(v, rfo, [offer_of(o) for o in case["offers"]], weights)
        expected = case["expected"]["ranking"]
        assert [s.offer.offer_id for s in ranked] == [r["offer_id"] for r in expected], case["name"]
        for s, row in zip(ranked, expected, strict=True):
            detail = scoring.stored_detail(s)
            assert scoring.fmt(s.score) == row["score"]
            assert detail == {k: row[k] for k in ("components", "contributions", "penalties")}


def test_v2_relative_stores_nothing() -> None:
    assert not scoring.stores_scores("v2-relative")
    assert scoring.stores_scores("v1") and scoring.stores_scores("v2")


_instant = st.integers(0, 40 * 86_400 * 10**6).map(lambda us: T0 + timedelta(microseconds=us))
_offer = st.builds(
    lambda i, price, qty, eta, sub, valid: scoring.OfferInput(f"off_{i:04d}", "ven_x", price, qty, eta, sub, valid),
    st.integers(0, 9999),
    st.sampled_from([1, 2, 4_000, 5_000, 9_999, 10_000, 50_000]) | st.integers(1, 10**9),
    st.integers(0, 200),
    st.sampled_from([T0 + timedelta(days=d) for d in (5, 10, 20)]) | _instant,
    st.sampled_from([T0, T0 + timedelta(hours=1)]) | _instant,
    st.none() | _instant,
)
_rfo = st.builds(
    lambda qty, budget, horizon_days, window_days: scoring.RfoTerms(
        "rfo_prop", qty, budget, T0 + timedelta(days=horizon_days), T0, T0 + timedelta(days=window_days)
    ),
    st.integers(1, 1000),
    st.integers(1, 10**9),
    st.integers(-2, 30),
    st.integers(0, 10),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    version=st.sampled_from(OFFER_INDEPENDENT),
    rfo=_rfo,
    offers_=st.lists(_offer, max_size=25, unique_by=lambda o: o.offer_id),
    raw_weights=st.tuples(st.integers(1, 10), *(st.integers(0, 10) for _ in range(3))),
)
def test_rank_key_order_is_the_versions_total_order(
    version: str, rfo: scoring.RfoTerms, offers_: list[scoring.OfferInput], raw_weights: tuple[int, ...]
) -> None:
    v = scoring.get_version(version)
    weights = scoring.normalise_weights(v, dict(zip(v.components, raw_weights, strict=False)))
    full = scoring.rank(v, rfo, offers_, weights)
    stored = _by_rank_key(v, rfo, offers_, weights)
    assert [s.offer.offer_id for s in stored] == [s.offer.offer_id for s in full]
    assert [s.score for s in stored] == [s.score for s in full]
    assert [scoring.stored_detail(s) for s in stored] == [scoring.stored_detail(s) for s in full]


# --- the use cases on the in-memory store -----------------------------------------------------------------------

BUYER = Principal("buyer", ids.new_id("buy"), ids.new_id("key"), KIND_SCOPES["buyer"], "live")
RFO_ID = ids.new_id("rfo")
VENDORS = [ids.new_id("ven") for _ in range(7)]
OFFER_IDS = [ids.new_id("off") for _ in range(300)]


def _vendor(i: int) -> Principal:
    return Principal("vendor", VENDORS[i], ids.new_id("key"), KIND_SCOPES["vendor"], "live")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStore]:
    monkeypatch.setattr(clock, "now", lambda: T0 + timedelta(hours=2))
    monkeypatch.setattr(ranking.account_store, "names", lambda ids: {i: f"name {i}" for i in ids})
    monkeypatch.setattr(ranking.flag_store, "for_rfo", lambda rfo_id: [])
    monkeypatch.setattr(offers.antigaming, "records_rejections", lambda action: lambda f: f, raising=False)
    s = FakeStore()
    s.rfos[RFO_ID] = FakeRfo(
        RFO_ID, BUYER.id, "live", "OPEN", "Paper", "office-supplies", 100, "box", 1_000_000, "USD", "eu-west",
        T0 + timedelta(days=20), T0 + timedelta(days=5), "v2",
        {"price": "0.45", "delivery": "0.25", "availability": "0.15", "reliability": "0.15"},
        T0, T0, weights_generation=1, ranking_status="current",
    )  # fmt: skip
    with use(s):
        yield s


def _insert(s: FakeStore, n: int, *, expired_every: int = 0) -> None:
    """n offers written as submit writes them (stored score under the RFO's generation), with many ties."""
    rfo = s.rfos[RFO_ID]
    for i in range(n):
        valid = T0 + timedelta(hours=1) if expired_every and i % expired_every == 0 else T0 + timedelta(days=9)
        o = FakeOffer(
            RFO_ID, OFFER_IDS[i], VENDORS[i % 7], "live", 4_000 + 500 * (i % 3), "USD", 100,
            T0 + timedelta(days=5 + i % 2), True, valid, T0 + timedelta(minutes=i % 2), T0,
        )  # fmt: skip
        fields = scores.fields_for(rfo, scores.input_of(o))
        assert fields is not None
        for k, v in fields.items():
            setattr(o, k, v)
        s.offers[o.id] = o


def _pages(limit: int) -> list[dict[str, Any]]:
    rows, cursor = [], None
    while True:
        page = ranking.rank(BUYER, RFO_ID, RankingQuery(limit=limit, cursor=cursor))
        rows += [r.model_dump(mode="json") for r in page.data]
        cursor = page.next_cursor
        if cursor is None:
            return rows


def _full() -> list[dict[str, Any]]:
    return [r.model_dump(mode="json") for r in ranking.rank(BUYER, RFO_ID).data]


@pytest.mark.parametrize("limit", [1, 4, 7, 20, 100])
def test_pages_of_the_index_are_the_full_ranking(fake: FakeStore, limit: int) -> None:
    _insert(fake, 40, expired_every=5)  # 8 offers whose valid_until passed: they follow every awardable one
    full = _full()
    assert [r["awardable"] for r in full] == [True] * 32 + [False] * 8
    fake.offers_of_rfo = None  # type: ignore[assignment,method-assign]  # a page never reads every offer
    assert _pages(limit) == full


def test_explain_per_page_follows_the_ranking_page(fake: FakeStore) -> None:
    _insert(fake, 23, expired_every=4)
    full = {e["offer_id"]: e for e in ranking.explain(BUYER, RFO_ID).data}
    cursor, seen = None, []
    while True:
        page = ranking.explain(BUYER, RFO_ID, RankingQuery(limit=6, cursor=cursor))
        rank_page = ranking.rank(BUYER, RFO_ID, RankingQuery(limit=6, cursor=cursor))
        assert [e["offer_id"] for e in page.data] == [r.offer_id for r in rank_page.data]
        assert [e["score"] for e in page.data] == [r.score for r in rank_page.data]
        seen += page.data
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == list(full.values())


def test_a_withdrawn_offer_leaves_the_index(fake: FakeStore) -> None:
    _insert(fake, 5)
    o = fake.offers[OFFER_IDS[2]]
    fake.withdraw_offer(o, _change())
    assert OFFER_IDS[2] not in [r["offer_id"] for r in _pages(2)]
    assert _pages(2) == _full()


def _change() -> Any:
    from intentbid.store.port import Actor, Change, Target

    return Change(Actor("vendor", "ven_x"), Target("offer", "x", "live"), "withdraw", None, {}, T0 + timedelta(hours=2))


def _assert_stored_equal_recomputed(s: FakeStore) -> None:
    rfo = s.rfos[RFO_ID]
    for o in s.offers.values():
        if o.status in ("active", "won", "lost"):
            assert o.score_generation == rfo.weights_generation, o.id
            expected = scores.fields_for(rfo, scores.input_of(o))
            assert expected is not None
            assert {k: getattr(o, k) for k in expected} == expected, o.id


def _drain(s: FakeStore) -> int:
    batches = 0
    while s.pending:
        scores.recompute(s.pending.pop(0))
        batches += 1
    return batches


def test_submit_and_revise_store_the_score_under_the_generation(fake: FakeStore) -> None:
    body = {"unit_price": 4_200, "currency": "USD", "quantity_available": 80, "eta_days": 4}
    created = offers.submit(
        _vendor(1), RFO_ID, OfferCreate(**body, availability_confirmed=True, valid_until=T0 + timedelta(days=9))
    )
    _assert_stored_equal_recomputed(fake)
    fake.offers[created.id].updated_at = T0  # past the revision interval
    offers.revise(_vendor(1), created.id, OfferRevise(unit_price=4_000))
    assert fake.offers[created.id].unit_price == 4_000
    _assert_stored_equal_recomputed(fake)


def test_a_weights_change_racing_a_submission_leaves_no_stale_score(fake: FakeStore) -> None:
    def weights_change() -> None:
        ranking.set_weights(BUYER, RFO_ID, WeightsUpdate(profile="cheapest"))

    fake.before_write = weights_change  # between the submission's read of the RFO and its transaction
    body = {"unit_price": 4_200, "currency": "USD", "quantity_available": 80, "eta_days": 4}
    offers.submit(
        _vendor(1), RFO_ID, OfferCreate(**body, availability_confirmed=True, valid_until=T0 + timedelta(days=9))
    )
    assert fake.rfos[RFO_ID].weights_generation == 2
    _assert_stored_equal_recomputed(fake)  # retried: scored under generation 2


def test_recompute_in_bounded_batches_resumes_after_a_crash_and_reads_stay_correct(
    fake: FakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _insert(fake, 2 * scores.BATCH + 5, expired_every=9)
    before = _pages(25)
    ranking.set_weights(BUYER, RFO_ID, WeightsUpdate(profile="fastest"))
    assert fake.rfos[RFO_ID].ranking_status == "recomputing"
    during = ranking.rank(BUYER, RFO_ID, RankingQuery(limit=25))
    assert during.ranking_status == "recomputing"
    full_new = _full()  # computed under the new weights
    assert full_new != before
    assert [r.model_dump(mode="json") for r in during.data] == full_new[:25]

    # the first batch commits; the second crashes mid-way (nothing written) and its event is redelivered
    assert scores.recompute(fake.pending.pop(0)) == scores.BATCH
    event = fake.pending[0]
    real = fake.write_scores
    monkeypatch.setattr(fake, "write_scores", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("crash")))
    with pytest.raises(RuntimeError):
        scores.recompute(event)
    monkeypatch.setattr(fake, "write_scores", real)
    assert ranking.rank(BUYER, RFO_ID, RankingQuery(limit=25)).model_dump(mode="json")["data"] == full_new[:25]
    assert _drain(fake) == 2  # the redelivered second batch, then the last
    assert fake.rfos[RFO_ID].ranking_status == "current"
    _assert_stored_equal_recomputed(fake)
    assert _pages(25) == _full() == full_new
    # a duplicate delivery of an old event writes nothing
    assert scores.recompute({"rfo_id": RFO_ID, "generation": 2, "after": None}) == 0


def test_a_newer_weights_change_supersedes_a_running_recompute(fake: FakeStore) -> None:
    _insert(fake, scores.BATCH + 3)
    ranking.set_weights(BUYER, RFO_ID, WeightsUpdate(profile="fastest"))
    scores.recompute(fake.pending.pop(0))
    ranking.set_weights(BUYER, RFO_ID, WeightsUpdate(profile="cheapest"))
    _drain(fake)  # the old generation's continuation stops; the new one recomputes all
    assert fake.rfos[RFO_ID].ranking_status == "current"
    _assert_stored_equal_recomputed(fake)
    assert _pages(10) == _full()


def test_an_rfo_from_before_stored_scores_is_computed_then_migrated_by_a_recompute(fake: FakeStore) -> None:
    _insert(fake, 12)
    rfo = fake.rfos[RFO_ID]
    rfo.weights_generation, rfo.ranking_status = None, None
    for o in fake.offers.values():
        o.score = o.score_detail = o.rank_key = None
        o.score_generation = None
    assert _pages(5) == _full() and len(_full()) == 12  # computed (nothing in the index)
    ranking.set_weights(BUYER, RFO_ID, WeightsUpdate(profile="fastest"))
    _drain(fake)
    _assert_stored_equal_recomputed(fake)
    assert _pages(5) == _full()


def test_a_relative_version_keeps_full_computation(fake: FakeStore) -> None:
    _insert(fake, 9)
    ranking.set_weights(BUYER, RFO_ID, WeightsUpdate(scoring_version="v2-relative"))
    assert fake.rfos[RFO_ID].ranking_status == "current" and not fake.pending
    assert _pages(4) == _full()
    assert json.loads(json.dumps(_full()))[0]["score"] != Decimal("nan")
