"""Through the handlers: one 400 lists every field error of a request (the schema's and the rules that need the
RFO, the clock or the offer), each naming the real field in words; a bad body never turns into another answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from helpers import create_rfo, offer_body, register, rfo_body, submit
from lambda_harness import invoke

from intentbid.domain import clock
from intentbid_local.timefmt import rfc3339 as iso

pytestmark = pytest.mark.usefixtures("aws")


def pairs(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(x["field"], x["code"]) for x in body["errors"]]


def test_a_wrong_currency_comes_back_with_the_schema_errors() -> None:
    """The integrator's case: before, EUR was reported only once the rest of the body was valid."""
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    status, body = submit(vendor, rfo["id"], eta_days=-1, currency="EUR", notes=7)
    assert status == 400 and body["code"] == "validation_failed"
    assert pairs(body) == [("eta_days", "out_of_range"), ("notes", "invalid_type"), ("currency", "currency_mismatch")]
    currency = body["errors"][2]
    assert currency["message"] == "currency must be the RFO's currency, USD" and currency["params"] == {
        "allowed": ["USD"]
    }


def test_neither_delivery_field_names_both_and_reads_as_a_sentence() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    raw = {k: v for k, v in offer_body().items() if k != "eta_days"}
    status, _, body = invoke("offer_submit", principal=vendor, path={"rfo_id": rfo["id"]}, body=raw)
    assert status == 400 and pairs(body) == [("delivery_date", "exactly_one_of"), ("eta_days", "exactly_one_of")]
    assert body["errors"][0]["message"].startswith("Give exactly one of delivery_date")


def test_eta_after_need_by_states_need_by_and_the_largest_eta_days() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    need_by = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10, hours=1)
    rfo = create_rfo(buyer, need_by=iso(need_by))
    status, body = submit(vendor, rfo["id"], eta_days=30)
    assert status == 400 and body["code"] == "eta_after_need_by"
    [err] = body["errors"]
    assert err["field"] == "eta_days" and rfo["need_by"] in err["message"] and "at most 10" in err["message"]
    assert err["params"]["need_by"] == rfo["need_by"] and err["params"]["max_eta_days"] == 10
    assert submit(vendor, rfo["id"], eta_days=err["params"]["max_eta_days"])[0] == 201  # the figure given works


def test_a_revision_lists_its_schema_errors_and_the_price_raise_together() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    _, offer = submit(vendor, rfo["id"], unit_price=3_000)
    clock.set_clock(lambda: datetime.now(UTC).timestamp() + 31)  # past the minimum interval between changes
    try:
        path = {"offer_id": offer["id"]}
        status, _, body = invoke(
            "offer_revise", principal=vendor, path=path, body={"unit_price": 4_000, "eta_days": 5000}
        )
        assert status == 400 and body["code"] == "validation_failed"
        assert pairs(body) == [("eta_days", "out_of_range"), ("unit_price", "price_increase_not_allowed")]
        assert body["errors"][0]["params"] == {"maximum": 3650}
        assert "3000" in body["errors"][1]["message"] and "minor units" in body["errors"][1]["message"]
    finally:
        clock.set_clock(None)


def test_rfo_schema_errors_dates_and_weights_in_one_answer() -> None:
    buyer = register("buyer")
    status, _, body = invoke(
        "rfo_create",
        principal=buyer,
        body=rfo_body(title="", category="Office Supplies", expires_at="2020-01-01T00:00:00Z", profile="karma"),
    )
    assert status == 400 and body["code"] == "validation_failed"
    assert set(pairs(body)) == {
        ("title", "too_short"),
        ("category", "invalid_format"),
        ("expires_at", "in_past"),
        ("profile", "unknown_profile"),
    }
    messages = {x["field"]: x["message"] for x in body["errors"]}
    assert "lower-case slug" in messages["category"] and "[a-z0-9]" not in messages["category"]
    assert "karma" not in messages["profile"] and "balanced" in messages["profile"]


def test_a_bad_body_on_an_unknown_rfo_stays_the_schema_400() -> None:
    vendor = register("vendor")
    status, _, body = invoke(
        "offer_submit",
        principal=vendor,
        path={"rfo_id": "rfo_01ARZ3NDEKTSV4RRFFQ69G5FAV"},
        body=offer_body(eta_days=-1),
    )
    assert status == 400 and pairs(body) == [("eta_days", "out_of_range")]
