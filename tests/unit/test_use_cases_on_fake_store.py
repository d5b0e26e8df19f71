"""The RFO lifecycle and offer submission use cases against the in-memory store port: no moto, no sockets.

What these pin down is the services' side of the port: which verb a use case calls, the change it records
(audit + event), and how it turns a guard that refused into the precise answer. The real store's guards are
covered on moto (tests/integration/test_lifecycle.py, test_rate_limits.py and others).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fake_store import FakeStore

from intentbid import config
from intentbid.domain import clock, ids
from intentbid.domain.errors import Conflict, DomainError, NotFound, TooManyRequests
from intentbid.domain.principal import KIND_SCOPES, Principal
from intentbid.schemas.offers import OfferCreate
from intentbid.schemas.rfos import Award, Reason, Reopen, RfoCreate
from intentbid.services import antigaming, expiry, offers, rfos
from intentbid.store import port
from intentbid.store.port import Actor, Target
from intentbid_local import testdata
from intentbid_local.testdata import DAY_S

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class _Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> float:
        return self.at.timestamp()

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def now() -> Iterator[_Clock]:
    c = _Clock()
    clock.set_clock(c)
    try:
        yield c
    finally:
        clock.set_clock(None)


@pytest.fixture
def rejected(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The refusals handed to the rejections log (the log itself is antigaming's store, not this port)."""
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(antigaming, "reject", lambda p, action, target, exc, status: calls.append((action, exc.code)))
    return calls


@pytest.fixture(autouse=True)
def fake(monkeypatch: pytest.MonkeyPatch, now: _Clock, rejected: list[tuple[str, str]]) -> Iterator[FakeStore]:
    def no_sockets(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a unit test on the fake store opened a socket")

    monkeypatch.setattr(socket, "socket", no_sockets)
    monkeypatch.setattr(socket, "create_connection", no_sockets)
    monkeypatch.delenv("EXPIRY_STATE_MACHINE_ARN", raising=False)
    config.settings.cache_clear()
    with port.use(FakeStore()) as store:
        yield store  # type: ignore[misc]
    config.settings.cache_clear()


def principal(kind: str, environment: str = "test") -> Principal:
    prefix = {"buyer": "buy", "vendor": "ven"}[kind]
    return Principal(kind, ids.new_id(prefix), ids.new_id("key"), KIND_SCOPES[kind], environment, "req-1", "10.0.0.1")


def iso(at: datetime) -> str:
    return clock.to_rfc3339(at)


def post_rfo(buyer: Principal, **overrides: Any) -> str:
    body = testdata.rfo_body(
        T0, expires_in_s=2 * DAY_S, need_by_in_s=20 * DAY_S, quantity=10, budget_max=100_000, currency="EUR"
    )
    return rfos.create(buyer, RfoCreate.model_validate_json(json.dumps(body | overrides))).id


def offer_body(**overrides: Any) -> OfferCreate:
    body = testdata.offer_body(T0, valid_for_s=10 * DAY_S, unit_price=4_000, currency="EUR", quantity_available=10)
    body |= {"eta_days": 5, **overrides}
    return OfferCreate.model_validate_json(json.dumps(body))


# --- RFO lifecycle ------------------------------------------------------------------------------------------


def test_create_records_one_change_with_its_event(fake: FakeStore) -> None:
    # Given a buyer, when it posts an RFO
    buyer = principal("buyer")
    rfo_id = post_rfo(buyer)
    # Then the RFO is OPEN and exactly one change is recorded, as the buyer, with the created event
    assert fake.rfos[rfo_id].status == "OPEN"
    [change] = fake.changes
    assert (change.action, change.to_status, change.target) == ("create", "OPEN", Target("rfo", rfo_id, "test"))
    assert change.actor == Actor("buyer", buyer.id, buyer.key_id, "req-1", "10.0.0.1")
    assert fake.events == [
        ("rfo.created", {"rfo_id": rfo_id, "category": "office-supplies", "expires_at": iso(T0 + timedelta(days=2))})
    ]


def test_close_then_reopen_moves_the_deadline_and_its_version(fake: FakeStore, now: _Clock) -> None:
    buyer = principal("buyer")
    rfo_id = post_rfo(buyer)
    now.advance(60)
    closed = rfos.close(buyer, rfo_id, Reason(reason="enough"))
    assert (closed.status, closed.status_reason, closed.allowed_actions) == (
        "CLOSED",
        "enough",
        ["award", "reopen", "delete"],
    )
    new_deadline = T0 + timedelta(days=3)
    reopened = rfos.reopen(buyer, rfo_id, Reopen.model_validate_json(json.dumps({"expires_at": iso(new_deadline)})))
    assert (reopened.status, reopened.expires_at, reopened.status_reason) == ("OPEN", new_deadline, None)
    assert fake.rfos[rfo_id].deadline_version == 2
    assert [e for e, _ in fake.events] == ["rfo.created", "rfo.closed", "rfo.reopened"]
    assert fake.events[-1][1] == {
        "rfo_id": rfo_id,
        "from": "CLOSED",
        "to": "OPEN",
        "reason": None,
        "expires_at": iso(new_deadline),
        "deadline_version": 2,
    }


def test_a_close_that_loses_to_an_expiry_answers_with_the_fresh_state(fake: FakeStore, now: _Clock) -> None:
    # Given an RFO whose deadline passes between the buyer's read and its write, while the worker expires it
    buyer = principal("buyer")
    rfo_id = post_rfo(buyer, expires_at=iso(T0 + timedelta(seconds=30)))

    def the_worker_expires_it() -> None:
        now.advance(31)
        assert expiry.expire(rfo_id, 1, "req-worker") == "expired"

    fake.before_write = the_worker_expires_it
    # When the buyer's close reaches the store, its guard refuses; then the use case re-reads and says why
    with pytest.raises(Conflict) as err:
        rfos.close(buyer, rfo_id, Reason())
    assert err.value.code == "invalid_transition" and "EXPIRED" in err.value.detail
    assert [c.action for c in fake.changes] == ["create", "expire"]
    expired = fake.changes[-1]
    assert (expired.actor.kind, expired.data, expired.reason) == ("system", {"deadline_version": 1}, "deadline passed")


def test_an_expiry_of_a_reopened_deadline_is_stale(fake: FakeStore, now: _Clock) -> None:
    buyer = principal("buyer")
    rfo_id = post_rfo(buyer)
    rfos.close(buyer, rfo_id, Reason())
    rfos.reopen(buyer, rfo_id, Reopen.model_validate_json(json.dumps({"expires_at": iso(T0 + timedelta(days=5))})))
    now.advance(3 * 86_400)
    assert expiry.expire(rfo_id, 1) == "stale"  # the first deadline's execution
    assert fake.rfos[rfo_id].status == "OPEN"


def test_award_wins_the_offer_and_loses_the_others_in_one_change(fake: FakeStore) -> None:
    buyer, v1, v2 = principal("buyer"), principal("vendor"), principal("vendor")
    rfo_id = post_rfo(buyer)
    won = offers.submit(v1, rfo_id, offer_body(unit_price=3_000))
    lost = offers.submit(v2, rfo_id, offer_body(unit_price=5_000))
    awarded = rfos.award(buyer, rfo_id, Award(offer_id=won.id))
    assert (awarded.status, awarded.awarded_offer_id) == ("AWARDED", won.id)
    assert (fake.offers[won.id].status, fake.offers[lost.id].status) == ("won", "lost")
    event, data = fake.events[-1]
    assert event == "rfo.awarded"
    assert {k: data[k] for k in ("offer_id", "unit_price", "total_price", "lost_offer_ids", "pinned")} == {
        "offer_id": won.id,
        "unit_price": 3_000,
        "total_price": 30_000,
        "lost_offer_ids": [lost.id],
        "pinned": False,
    }


def test_a_pinned_award_of_an_offer_revised_meanwhile_is_offer_changed(fake: FakeStore, now: _Clock) -> None:
    buyer, vendor = principal("buyer"), principal("vendor")
    rfo_id = post_rfo(buyer)
    offer = offers.submit(vendor, rfo_id, offer_body())

    def the_vendor_revises() -> None:
        fake.offers[offer.id].revision, fake.offers[offer.id].unit_price = 2, 3_500

    fake.before_write = the_vendor_revises
    with pytest.raises(Conflict) as err:
        rfos.award(buyer, rfo_id, Award(offer_id=offer.id, offer_revision=1))
    assert err.value.code == "offer_changed" and err.value.extra["current_revision"] == 2
    assert fake.rfos[rfo_id].status == "OPEN" and fake.offers[offer.id].status == "active"


def test_delete_hides_the_rfo_and_an_awarded_rfo_cannot_be_deleted(fake: FakeStore) -> None:
    buyer, vendor = principal("buyer"), principal("vendor")
    gone, kept = post_rfo(buyer), post_rfo(buyer)
    rfos.delete(buyer, gone)
    with pytest.raises(NotFound):
        rfos.get(buyer, gone)
    offer = offers.submit(vendor, kept, offer_body())
    rfos.award(buyer, kept, Award(offer_id=offer.id))
    with pytest.raises(Conflict) as err:
        rfos.delete(buyer, kept)
    assert err.value.code == "invalid_transition"


def test_another_buyer_sees_no_such_rfo(fake: FakeStore) -> None:
    rfo_id = post_rfo(principal("buyer"))
    with pytest.raises(NotFound):
        rfos.close(principal("buyer"), rfo_id, Reason())
    assert [c.action for c in fake.changes] == ["create"]


# --- offer submission ---------------------------------------------------------------------------------------


def test_submit_records_the_offer_its_counters_and_its_change(fake: FakeStore) -> None:
    buyer, vendor = principal("buyer"), principal("vendor")
    rfo_id = post_rfo(buyer)
    offer = offers.submit(vendor, rfo_id, offer_body())
    assert (offer.status, offer.revision, offer.total_price, offer.livemode) == ("active", 1, 40_000, False)
    assert fake.offers[offer.id].vendor_id == vendor.id
    assert sorted(fake.counters.values()) == [1, 1]  # per RFO and per hour
    change = fake.changes[-1]
    assert (change.action, change.to_status, change.target) == ("submit", "active", Target("offer", offer.id, "test"))
    assert fake.events[-1] == (
        "offer.submitted",
        {"offer_id": offer.id, "rfo_id": rfo_id, "vendor_id": vendor.id, "unit_price": 4_000, "quantity_available": 10},
    )


def test_submit_on_a_closed_rfo_is_refused_before_any_write_and_logged(
    fake: FakeStore, rejected: list[tuple[str, str]]
) -> None:
    buyer, vendor = principal("buyer"), principal("vendor")
    rfo_id = post_rfo(buyer)
    rfos.close(buyer, rfo_id, Reason())
    with pytest.raises(Conflict) as err:
        offers.submit(vendor, rfo_id, offer_body())
    assert (err.value.code, err.value.extra) == ("rfo_not_open", {"rfo_status": "CLOSED"})
    assert fake.offers == {} and fake.counters == {}
    assert rejected == [("submit", "rfo_not_open")]


def test_a_submission_racing_a_close_gets_the_rfos_fresh_status(fake: FakeStore) -> None:
    buyer, vendor = principal("buyer"), principal("vendor")
    rfo_id = post_rfo(buyer)
    fake.before_write = lambda: rfos.close(buyer, rfo_id, Reason())
    with pytest.raises(Conflict) as err:
        offers.submit(vendor, rfo_id, offer_body())
    assert (err.value.code, err.value.extra) == ("rfo_not_open", {"rfo_status": "CLOSED"})
    assert fake.offers == {}


def test_the_counter_that_is_full_names_the_limit(fake: FakeStore, rejected: list[tuple[str, str]]) -> None:
    buyer, vendor = principal("buyer"), principal("vendor")
    rfo_id = post_rfo(buyer)
    for _ in range(config.settings().limits.max_offers_per_vendor_per_rfo):
        offers.submit(vendor, rfo_id, offer_body())
    with pytest.raises(TooManyRequests) as err:
        offers.submit(vendor, rfo_id, offer_body())
    assert err.value.code == "offer_limit_reached"
    assert len(fake.offers) == config.settings().limits.max_offers_per_vendor_per_rfo
    assert rejected[-1] == ("submit", "offer_limit_reached")


def test_an_invalid_offer_never_reaches_the_store(fake: FakeStore) -> None:
    buyer, vendor = principal("buyer"), principal("vendor")
    rfo_id = post_rfo(buyer)
    with pytest.raises(DomainError) as err:
        offers.submit(vendor, rfo_id, offer_body(currency="USD"))
    assert err.value.errors[0].field == "currency"
    assert [c.action for c in fake.changes] == ["create"]


def test_revise_then_withdraw_keep_the_revision_counter(fake: FakeStore, now: _Clock) -> None:
    from intentbid.schemas.offers import OfferRevise

    buyer, vendor = principal("buyer"), principal("vendor")
    rfo_id = post_rfo(buyer)
    offer = offers.submit(vendor, rfo_id, offer_body(notes="first"))
    now.advance(config.settings().limits.revision_min_interval_s + 1)
    revised = offers.revise(vendor, offer.id, OfferRevise.model_validate_json('{"unit_price": 3900, "notes": null}'))
    assert (revised.revision, revised.unit_price, revised.notes) == (2, 3_900, None)
    withdrawn = offers.withdraw(vendor, offer.id)
    assert (withdrawn.status, withdrawn.revision) == ("withdrawn", 2)
    assert [e for e, _ in fake.events][-2:] == ["offer.revised", "offer.withdrawn"]
    assert fake.changes[-1].from_status == "active" and fake.changes[-1].to_status == "withdrawn"


def test_the_sweep_marks_the_losers_the_award_left_active_once(fake: FakeStore) -> None:
    from intentbid.services import losers

    buyer = principal("buyer")
    rfo_id = post_rfo(buyer)
    won, *rest = (offers.submit(principal("vendor"), rfo_id, offer_body(unit_price=3_000 + i)) for i in range(3))
    rfos.award(buyer, rfo_id, Award(offer_id=won.id))
    for o in rest:  # as if past what the award's transaction held
        fake.offers[o.id].status = "active"
    data = {"rfo_id": rfo_id, "awarded_offer_id": won.id, "after": None}
    assert losers.sweep({**data, "awarded_offer_id": rest[0].id}) == 0  # not the awarded offer: nothing moves
    assert losers.sweep(data) == 2
    assert {fake.offers[o.id].status for o in rest} == {"lost"} and fake.offers[won.id].status == "won"
    assert losers.sweep(data) == 0  # redelivered: nothing left active
