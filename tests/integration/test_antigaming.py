"""Anti-spam and anti-gaming through the handlers: every rule and limit answers with its status, code, field
and Retry-After; rejections are logged for the vendor; cooldowns grow and expire; flags are raised by the
dispatcher on seeded data and never on clean data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from helpers import create_rfo, offer_body, register, submit
from lambda_harness import invoke

from intentbid import config
from intentbid.domain import clock
from intentbid.services import antigaming
from intentbid_local.timefmt import rfc3339

pytestmark = pytest.mark.usefixtures("aws")
ADMIN = {"kind": "admin", "id": "adm_ops", "scopes": ["admin"]}


@pytest.fixture(autouse=True)
def controllable_clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    now = {"t": datetime.now(UTC).timestamp()}
    clock.set_clock(lambda: now["t"])
    config.settings.cache_clear()
    yield now
    clock.set_clock(None)
    config.settings.cache_clear()


def advance(now: dict[str, float], seconds: float) -> None:
    now["t"] += seconds


def revise(vendor: dict, offer: dict, unit_price: int) -> tuple[int, dict, dict]:
    return invoke("offer_revise", principal=vendor, path={"offer_id": offer["id"]}, body={"unit_price": unit_price})


def rejections(vendor: dict) -> list[dict]:
    status, _, page = invoke("vendor_rejections", principal=vendor, path={"vendor_id": vendor["id"]})
    assert status == 200
    return page["data"]


@pytest.mark.parametrize(
    ("override", "code", "field"),
    [
        ({"unit_price": 100}, "price_out_of_range", "unit_price"),  # below 5% of the budget
        ({"unit_price": 8_000}, "price_out_of_range", "unit_price"),  # above 150% of the budget
        ({"quantity_available": 1_001}, "quantity_out_of_range", "quantity_available"),
        ({"eta_days": 30}, "eta_after_need_by", "eta_days"),
        ({"availability_confirmed": False}, "availability_not_confirmed", "availability_confirmed"),
        ({"currency": "EUR"}, "currency_mismatch", "currency"),
    ],
)
def test_each_rule_has_its_code_and_field_and_is_logged(override: dict, code: str, field: str) -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    status, problem = submit(vendor, rfo["id"], **override)
    assert status == 400 and problem["code"] == code and problem["errors"][0]["field"] == field
    logged = rejections(vendor)
    assert [(r["code"], r["rfo_id"], r["action"], r["status"]) for r in logged] == [(code, rfo["id"], "submit", 400)]
    assert logged[0]["errors"][0]["field"] == field


def test_offers_per_vendor_per_rfo_are_capped_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    statuses = [submit(vendor, rfo["id"])[0] for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    _, problem = submit(vendor, rfo["id"])
    assert problem["code"] == "offer_limit_reached"
    assert submit(register("vendor", "Other"), rfo["id"])[0] == 201


def test_hourly_rate_across_rfos_has_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTBID_MAX_OFFERS_PER_VENDOR_PER_HOUR", "2")
    config.settings.cache_clear()
    buyer, vendor = register("buyer"), register("vendor")
    rfos = [create_rfo(buyer, title=f"R{i}") for i in range(3)]
    assert [submit(vendor, r["id"])[0] for r in rfos[:2]] == [201, 201]
    status, _, problem = invoke(
        "offer_submit",
        principal=vendor,
        path={"rfo_id": rfos[2]["id"]},
        body=offer_body(),
    )
    assert status == 429 and problem["code"] == "rate_limited"


def test_revision_interval_and_count(controllable_clock: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTBID_MAX_REVISIONS_PER_OFFER", "2")
    config.settings.cache_clear()
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    _, offer = submit(vendor, rfo["id"])
    status, headers, problem = invoke(
        "offer_revise", principal=vendor, path={"offer_id": offer["id"]}, body={"unit_price": 2_900}
    )
    assert status == 429 and problem["code"] == "revision_cooldown" and 1 <= int(headers["Retry-After"]) <= 30
    for price in (2_800, 2_700):
        advance(controllable_clock, 31)
        assert (
            invoke("offer_revise", principal=vendor, path={"offer_id": offer["id"]}, body={"unit_price": price})[0]
            == 200
        )
    advance(controllable_clock, 31)
    status, _, problem = invoke(
        "offer_revise", principal=vendor, path={"offer_id": offer["id"]}, body={"unit_price": 2_600}
    )
    assert status == 429 and problem["code"] == "offer_limit_reached"
    logged = rejections(vendor)
    assert [r["code"] for r in logged] == ["offer_limit_reached", "revision_cooldown"]
    assert {(r["rfo_id"], r["offer_id"], r["action"]) for r in logged} == {(rfo["id"], offer["id"], "revise")}


def test_minimum_improvement_when_configured(controllable_clock: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTBID_MIN_IMPROVEMENT_PCT", "1")
    config.settings.cache_clear()
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    _, offer = submit(vendor, rfo["id"], unit_price=3_000)
    advance(controllable_clock, 31)
    status, _, problem = invoke(
        "offer_revise", principal=vendor, path={"offer_id": offer["id"]}, body={"unit_price": 2_990}
    )
    assert status == 400 and problem["code"] == "insufficient_improvement"
    assert (
        invoke("offer_revise", principal=vendor, path={"offer_id": offer["id"]}, body={"unit_price": 2_900})[0] == 200
    )


def test_repeated_violations_start_a_growing_cooldown_that_expires(
    controllable_clock: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTENTBID_COOLDOWN_VIOLATION_THRESHOLD", "2")
    monkeypatch.setenv("INTENTBID_MAX_OFFERS_PER_VENDOR_PER_RFO", "1")
    config.settings.cache_clear()
    buyer, vendor = register("buyer"), register("vendor")
    rfos = [create_rfo(buyer, title=f"R{i}") for i in range(4)]

    def offer_on(rfo: dict) -> tuple[int, dict, dict]:
        body = offer_body(clock.now())
        return invoke("offer_submit", principal=vendor, path={"rfo_id": rfo["id"]}, body=body)

    def two_violations(rfo: dict) -> None:
        assert offer_on(rfo)[0] == 201
        assert [offer_on(rfo)[2]["code"] for _ in range(2)] == ["offer_limit_reached"] * 2

    two_violations(rfos[0])  # strike 1: one minute
    status, headers, problem = offer_on(rfos[1])
    assert status == 429 and problem["code"] == "vendor_cooldown" and headers["Retry-After"] == "60"
    assert problem["cooldown_until"] == rfc3339(clock.now() + timedelta(seconds=60)).replace("+00:00", "Z")
    advance(controllable_clock, 61)  # expired
    two_violations(rfos[1])  # strike 2: doubled
    status, headers, problem = offer_on(rfos[2])
    assert status == 429 and problem["code"] == "vendor_cooldown" and headers["Retry-After"] == "120"
    advance(controllable_clock, 121)
    assert offer_on(rfos[3])[0] == 201
    assert "vendor_cooldown" in [r["code"] for r in rejections(vendor)]


def test_ops_set_and_lift_a_cooldown() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    until = rfc3339(datetime.now(UTC) + timedelta(hours=1))
    status, _, state = invoke(
        "admin_cooldown_set",
        principal=ADMIN,
        path={"vendor_id": vendor["id"]},
        body={"until": until, "reason": "spamming"},
    )
    assert status == 200 and state["cooldown_until"] == until and state["reason"] == "spamming"
    status, problem = submit(vendor, rfo["id"])
    assert status == 429 and problem["code"] == "vendor_cooldown"
    status, _, problem = invoke(
        "admin_cooldown_set",
        principal=ADMIN,
        path={"vendor_id": vendor["id"]},
        body={"until": "2020-01-01T00:00:00Z", "reason": ""},
    )
    assert status == 400 and {e["field"] for e in problem["errors"]} == {"until", "reason"}
    assert invoke("admin_cooldown_lift", principal=ADMIN, path={"vendor_id": vendor["id"]})[2]["cooldown_until"] is None
    assert submit(vendor, rfo["id"])[0] == 201
    assert (
        invoke(
            "admin_cooldown_set",
            principal=vendor,
            path={"vendor_id": vendor["id"]},
            body={"until": until, "reason": "x"},
        )[0]
        == 403
    )


def flags_for(rfo_id: str | None = None) -> list[dict]:
    data = invoke("admin_flags", principal=ADMIN)[2]["data"]
    return [f for f in data if rfo_id is None or f["rfo_id"] == rfo_id]


def test_flags_per_signal_on_seeded_data(controllable_clock: dict) -> None:
    buyer = register("buyer")
    rfo = create_rfo(buyer)
    vendors = [register("vendor", f"V{i}") for i in range(6)]
    for v, price in zip(vendors[:5], (3_000, 3_050, 2_950, 3_020, 2_980), strict=True):
        submit(v, rfo["id"], unit_price=price, eta_days=3)
    _, outlier = submit(vendors[5], rfo["id"], unit_price=300, eta_days=4)  # inside the band, far from the pack
    sybil_a, sybil_b = register("vendor", "SybilA"), register("vendor", "SybilB")
    submit(sybil_a, rfo["id"], unit_price=4_444, eta_days=5, quantity_available=77)
    submit(sybil_b, rfo["id"], unit_price=4_444, eta_days=5, quantity_available=77)
    antigaming.evaluate_rfo(rfo["id"])
    codes = {(f["code"], f["vendor_id"]) for f in flags_for(rfo["id"])}
    assert ("price_outlier", vendors[5]["id"]) in codes
    assert {("near_identical_offers", sybil_a["id"]), ("near_identical_offers", sybil_b["id"])} <= codes
    before = len(flags_for())
    antigaming.evaluate_rfo(rfo["id"])  # re-detection never duplicates
    assert len(flags_for()) == before
    explain = invoke("ranking_explain", principal=buyer, path={"rfo_id": rfo["id"]})[2]
    assert {f["code"] for f in explain["flags"]} >= {"price_outlier", "near_identical_offers"}
    ranking = invoke("ranking", principal=buyer, path={"rfo_id": rfo["id"]})[2]["data"]
    assert outlier["id"] == ranking[0]["offer_id"]  # flags never change scores: the cheap outlier still ranks first


def test_repeated_rejections_and_last_second_flags(controllable_clock: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTBID_FLAG_REJECTIONS_THRESHOLD", "3")
    config.settings.cache_clear()
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer, expires_at=rfc3339(datetime.now(UTC) + timedelta(hours=1)))
    for _ in range(3):
        submit(vendor, rfo["id"], availability_confirmed=False)
    assert ("repeated_rejections", vendor["id"]) in {(f["code"], f["vendor_id"]) for f in flags_for()}
    advance(controllable_clock, 3600 - 20)
    sniper = register("vendor", "Sniper")
    submit(sniper, rfo["id"])
    antigaming.evaluate_rfo(rfo["id"])
    assert ("last_second_submission", sniper["id"]) in {(f["code"], f["vendor_id"]) for f in flags_for(rfo["id"])}


def test_no_flags_on_clean_data() -> None:
    buyer = register("buyer")
    rfo = create_rfo(buyer, expires_at=rfc3339(datetime.now(UTC) + timedelta(hours=2)))
    for i, price in enumerate((3_000, 3_100, 2_900, 3_050, 2_950, 3_020)):
        submit(register("vendor", f"C{i}"), rfo["id"], unit_price=price, eta_days=2 + i % 3, quantity_available=100 - i)
    assert antigaming.evaluate_rfo(rfo["id"]) == [] and flags_for(rfo["id"]) == []


# --- per (vendor, environment): sandbox mistakes never touch the live vendor (issue 9, finding 4) -------------


def sandbox_of(principal: dict) -> dict:
    """The same account's sandbox key (the authorizer puts its environment in the context)."""
    return {**principal, "environment": "test", "key_id": f"{principal['key_id']}_sandbox"}


def test_sandbox_violations_never_cool_down_the_live_vendor(controllable_clock: dict) -> None:
    """5 too-fast sandbox revisions put the sandbox in cooldown; the live vendor submits (before: 429)."""
    buyer, vendor = register("buyer"), register("vendor")
    test_buyer, test_vendor = sandbox_of(buyer), sandbox_of(vendor)
    live_rfo, test_rfo = create_rfo(buyer), create_rfo(test_buyer)
    _, test_offer = submit(test_vendor, test_rfo["id"])
    assert [revise(test_vendor, test_offer, 2_900)[2]["code"] for _ in range(5)] == ["revision_cooldown"] * 5
    status, problem = submit(test_vendor, test_rfo["id"])
    assert status == 429 and problem["code"] == "vendor_cooldown"
    assert submit(vendor, live_rfo["id"])[0] == 201
    live_view = invoke("admin_cooldown_lift", principal=ADMIN, path={"vendor_id": vendor["id"]})[2]
    assert live_view["environment"] == "live" and live_view["strikes"] == 0


def test_rejections_are_listed_per_environment() -> None:
    """A sandbox key sees only sandbox rejections (before: the live ones too, with live RFO ids)."""
    buyer, vendor = register("buyer"), register("vendor")
    test_vendor = sandbox_of(vendor)
    live_rfo, test_rfo = create_rfo(buyer), create_rfo(sandbox_of(buyer))
    submit(vendor, live_rfo["id"], availability_confirmed=False)
    submit(test_vendor, test_rfo["id"], currency="EUR")
    assert [r["rfo_id"] for r in rejections(test_vendor)] == [test_rfo["id"]]
    assert [r["rfo_id"] for r in rejections(vendor)] == [live_rfo["id"]]
    assert [r["environment"] for r in rejections(vendor) + rejections(test_vendor)] == ["live", "test"]
    path = {"vendor_id": vendor["id"]}
    status, _, problem = invoke("vendor_rejections", principal=test_vendor, path=path, query={"environment": "live"})
    assert status == 400 and problem["code"] == "environment_not_allowed"
    admin_view = invoke("vendor_rejections", principal=ADMIN, path=path, query={"environment": "test"})[2]["data"]
    assert [r["rfo_id"] for r in admin_view] == [test_rfo["id"]]


def test_the_hourly_offer_counter_is_per_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTBID_MAX_OFFERS_PER_VENDOR_PER_HOUR", "2")
    config.settings.cache_clear()
    buyer, vendor = register("buyer"), register("vendor")
    test_buyer, test_vendor = sandbox_of(buyer), sandbox_of(vendor)
    test_rfos = [create_rfo(test_buyer, title=f"T{i}") for i in range(3)]
    assert [submit(test_vendor, r["id"])[0] for r in test_rfos] == [201, 201, 429]
    live_rfos = [create_rfo(buyer, title=f"L{i}") for i in range(3)]
    assert [submit(vendor, r["id"])[0] for r in live_rfos] == [201, 201, 429]


def test_flags_from_sandbox_activity_are_sandbox_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    """A sandbox repeated_rejections flag is a sandbox flag and does not stand in for the live one (before: one
    key per vendor, so whichever environment came first took the flag)."""
    monkeypatch.setenv("INTENTBID_FLAG_REJECTIONS_THRESHOLD", "3")
    config.settings.cache_clear()
    buyer, vendor = register("buyer"), register("vendor")
    test_rfo, live_rfo = create_rfo(sandbox_of(buyer)), create_rfo(buyer)
    for _ in range(3):
        submit(sandbox_of(vendor), test_rfo["id"], availability_confirmed=False)
    for _ in range(3):
        submit(vendor, live_rfo["id"], availability_confirmed=False)
    mine = {f["rfo_id"]: f for f in flags_for() if f["vendor_id"] == vendor["id"]}
    assert set(mine) == {live_rfo["id"], test_rfo["id"]}  # before: the live flag's evidence mixed in sandbox ones
    assert mine[live_rfo["id"]]["evidence"]["rfo_ids"] == [live_rfo["id"]]
    assert mine[live_rfo["id"]]["environment"] == "live" and mine[test_rfo["id"]]["environment"] == "test"


def test_ops_target_one_environment_default_live() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    live_rfo, test_rfo = create_rfo(buyer), create_rfo(sandbox_of(buyer))
    until = rfc3339(datetime.now(UTC) + timedelta(hours=1))
    path = {"vendor_id": vendor["id"]}
    body = {"until": until, "reason": "sandbox abuse", "environment": "test"}
    status, _, state = invoke("admin_cooldown_set", principal=ADMIN, path=path, body=body)
    assert status == 200 and state["environment"] == "test" and state["cooldown_until"] == until
    assert submit(sandbox_of(vendor), test_rfo["id"])[1]["code"] == "vendor_cooldown"
    assert submit(vendor, live_rfo["id"])[0] == 201
    status, _, state = invoke("admin_cooldown_lift", principal=ADMIN, path=path, query={"environment": "test"})
    assert status == 200 and state["environment"] == "test" and state["cooldown_until"] is None
    assert submit(sandbox_of(vendor), test_rfo["id"])[0] == 201
    status, _, problem = invoke("admin_cooldown_lift", principal=ADMIN, path=path, query={"environment": "prod"})
    assert status == 400 and problem["errors"][0]["field"] == "environment"


# --- rejections stay O(1) per request (issue 9, finding 6) ------------------------------------------------


def test_a_cooldown_logs_its_first_refusal_and_counts_the_rest() -> None:
    """A vendor hammering during its cooldown does not grow its rejection log (before: one entry each)."""
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    until = rfc3339(datetime.now(UTC) + timedelta(hours=1))
    path = {"vendor_id": vendor["id"]}
    invoke("admin_cooldown_set", principal=ADMIN, path=path, body={"until": until, "reason": "flood"})
    answers = [submit(vendor, rfo["id"]) for _ in range(6)]
    assert {(s, p["code"]) for s, p in answers} == {(429, "vendor_cooldown")}
    assert [r["code"] for r in rejections(vendor)] == ["vendor_cooldown"]
    lifted = invoke("admin_cooldown_lift", principal=ADMIN, path=path)[2]
    assert lifted["cooldown_until"] is None and lifted["refused_during_cooldown"] == 6
    state = invoke("admin_cooldown_set", principal=ADMIN, path=path, body={"until": until, "reason": "flood"})[2]
    assert state["refused_during_cooldown"] == 0  # a new cooldown counts afresh
    submit(vendor, rfo["id"])
    assert [r["code"] for r in rejections(vendor)] == ["vendor_cooldown"] * 2
