"""RFO lifecycle on moto: the transition table, award atomicity, audit trail, expiry, soft delete."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from helpers import create_rfo, register, submit
from lambda_harness import invoke

from intentbid import config
from intentbid.domain import clock
from intentbid_local.timefmt import later, rfc3339

pytestmark = pytest.mark.usefixtures("aws")


@pytest.fixture(autouse=True)
def _real_clock_after() -> Any:
    yield
    clock.set_clock(None)


def act(buyer: dict[str, Any], action: str, rfo_id: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    status, _, out = invoke(f"rfo_{action}", principal=buyer, path={"rfo_id": rfo_id}, body=body)
    return status, out


def history(buyer: dict[str, Any], rfo_id: str) -> list[dict[str, Any]]:
    status, _, page = invoke("rfo_history", principal=buyer, path={"rfo_id": rfo_id})
    assert status == 200
    return page["data"]


def outbox_types() -> list[str]:
    items = boto3.client("dynamodb").scan(TableName="intentbid-test-outbox")["Items"]
    return [i["type"]["S"] for i in sorted(items, key=lambda i: i["id"]["S"])]


def test_close_reopen_award_follow_the_table_and_leave_an_audit_trail() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    assert rfo["allowed_actions"] == ["close", "award", "delete"]
    status, closed = act(buyer, "close", rfo["id"], {"reason": "enough offers"})
    assert status == 200 and closed["status"] == "CLOSED" and closed["status_reason"] == "enough offers"
    status, body = submit(vendor, rfo["id"])
    assert status == 409 and body["code"] == "rfo_not_open"
    status, body = act(buyer, "close", rfo["id"])
    assert status == 409 and body["code"] == "invalid_transition"
    assert body["rfo_status"] == "CLOSED" and body["allowed_actions"] == ["award", "reopen", "delete"]
    new_deadline = rfc3339(datetime.now(UTC) + timedelta(hours=3))
    status, reopened = act(buyer, "reopen", rfo["id"], {"expires_at": new_deadline, "reason": "one more day"})
    assert status == 200 and reopened["status"] == "OPEN" and reopened["expires_at"] == new_deadline
    _, offer = submit(vendor, rfo["id"])
    status, awarded = act(buyer, "award", rfo["id"], {"offer_id": offer["id"], "reason": "best price"})
    assert status == 200 and awarded["status"] == "AWARDED" and awarded["awarded_offer_id"] == offer["id"]
    assert awarded["allowed_actions"] == []
    for action, body in (
        ("close", None),
        ("reopen", {"expires_at": new_deadline}),
        ("award", {"offer_id": offer["id"]}),
    ):
        status, problem = act(buyer, action, rfo["id"], body)
        assert status == 409 and problem["code"] == "invalid_transition", action
    status, problem = act(buyer, "delete", rfo["id"])
    assert status == 409 and problem["code"] == "invalid_transition"
    trail = history(buyer, rfo["id"])
    assert [(h["action"], h["from_status"], h["to_status"]) for h in trail] == [
        ("create", None, "OPEN"),
        ("close", "OPEN", "CLOSED"),
        ("reopen", "CLOSED", "OPEN"),
        ("award", "OPEN", "AWARDED"),
    ]
    assert all(h["actor"] == {"kind": "buyer", "id": buyer["id"], "key_id": buyer["key_id"]} for h in trail)
    assert [h["reason"] for h in trail] == [None, "enough offers", "one more day", "best price"]
    assert trail[2]["payload"]["expires_at"] == new_deadline and trail[3]["payload"]["offer_id"] == offer["id"]
    types = outbox_types()  # the award's events share its millisecond: their ids sort in no fixed order
    assert types[-6:-3] == ["rfo.closed", "rfo.reopened", "offer.submitted"]
    assert sorted(types[-3:]) == ["offer.won", "rfo.awarded", "rfo.losers_pending"]


def test_award_marks_the_winner_won_and_every_other_active_offer_lost_atomically() -> None:
    buyer = register("buyer")
    rfo = create_rfo(buyer)
    vendors = [register("vendor", f"V{i}") for i in range(4)]
    offers = [submit(v, rfo["id"], unit_price=3_000 + i)[1] for i, v in enumerate(vendors)]
    invoke("offer_withdraw", principal=vendors[3], path={"offer_id": offers[3]["id"]})
    status, _ = act(buyer, "award", rfo["id"], {"offer_id": offers[1]["id"]})
    assert status == 200
    statuses = {
        o["id"]: o["status"] for o in invoke("offer_list", principal=buyer, path={"rfo_id": rfo["id"]})[2]["data"]
    }
    assert statuses == {
        offers[0]["id"]: "lost",
        offers[1]["id"]: "won",
        offers[2]["id"]: "lost",
        offers[3]["id"]: "withdrawn",
    }
    assert invoke("offer_get", principal=vendors[0], path={"offer_id": offers[0]["id"]})[2]["status"] == "lost"
    event = boto3.client("dynamodb").scan(TableName="intentbid-test-outbox")["Items"]
    awarded = next(json.loads(e["payload"]["S"]) for e in event if e["type"]["S"] == "rfo.awarded")
    assert awarded["offer_id"] == offers[1]["id"] and set(awarded["lost_offer_ids"]) == {
        offers[0]["id"],
        offers[2]["id"],
    }


def test_award_refuses_withdrawn_foreign_and_unknown_offers_and_changes_nothing() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo, other = create_rfo(buyer), create_rfo(buyer)
    _, offer = submit(vendor, rfo["id"])
    _, foreign = submit(vendor, other["id"])
    assert act(buyer, "award", rfo["id"], {"offer_id": foreign["id"]})[0] == 404
    assert act(buyer, "award", rfo["id"], {"offer_id": "off_nope"})[0] == 404
    invoke("offer_withdraw", principal=vendor, path={"offer_id": offer["id"]})
    status, problem = act(buyer, "award", rfo["id"], {"offer_id": offer["id"]})
    assert status == 409 and problem["code"] == "offer_not_active"
    assert invoke("rfo_get", principal=buyer, path={"rfo_id": rfo["id"]})[2]["status"] == "OPEN"
    assert [h["action"] for h in history(buyer, rfo["id"])] == ["create"]


def test_only_the_owning_buyer_acts_and_reads_history() -> None:
    buyer, other, vendor = register("buyer"), register("buyer", "Other"), register("vendor")
    rfo = create_rfo(buyer)
    assert act(other, "close", rfo["id"])[0] == 404
    assert invoke("rfo_history", principal=other, path={"rfo_id": rfo["id"]})[0] == 404
    assert invoke("rfo_close", principal=vendor, path={"rfo_id": rfo["id"]})[0] == 403
    assert invoke("rfo_get", principal=buyer, path={"rfo_id": rfo["id"]})[2]["status"] == "OPEN"


def test_past_deadline_is_expired_for_every_action_and_reopen_cannot_revive_it() -> None:
    buyer = register("buyer")
    rfo = create_rfo(buyer, expires_at=rfc3339(datetime.now(UTC) + timedelta(seconds=20)))
    assert act(buyer, "close", rfo["id"])[0] == 200
    clock.set_clock(lambda: datetime.now(UTC).timestamp() + 60)
    status, problem = act(buyer, "reopen", rfo["id"], {"expires_at": rfc3339(datetime.now(UTC) + timedelta(hours=1))})
    assert status == 409 and problem["rfo_status"] == "EXPIRED"
    assert act(buyer, "award", rfo["id"], {"offer_id": "off_x"})[1]["code"] == "invalid_transition"


def test_reopen_validates_the_new_deadline() -> None:
    buyer = register("buyer")
    rfo = create_rfo(buyer)
    act(buyer, "close", rfo["id"])
    status, problem = act(buyer, "reopen", rfo["id"], {"expires_at": "2020-01-01T00:00:00Z"})
    assert status == 400 and problem["errors"][0]["field"] == "expires_at"
    status, problem = act(buyer, "reopen", rfo["id"], {"expires_at": rfc3339(datetime.now(UTC) + timedelta(days=30))})
    assert status == 400 and problem["errors"][0]["code"] == "need_by_before_deadline"
    assert act(buyer, "reopen", rfo["id"], {})[1]["errors"][0]["field"] == "expires_at"


def test_soft_delete_hides_the_rfo_everywhere() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    _, offer = submit(vendor, rfo["id"])
    status, _, body = invoke("rfo_delete", principal=buyer, path={"rfo_id": rfo["id"]})
    assert status == 204 and body == ""
    for fn, principal in (
        ("rfo_get", buyer),
        ("rfo_get", vendor),
        ("ranking", buyer),
        ("offer_list", buyer),
        ("rfo_history", buyer),
    ):
        assert invoke(fn, principal=principal, path={"rfo_id": rfo["id"]})[0] == 404, fn
    assert invoke("rfo_list", principal=buyer)[2]["data"] == []
    assert invoke("rfo_list", principal=vendor)[2]["data"] == []
    assert submit(vendor, rfo["id"])[0] == 404
    assert invoke("offer_get", principal=buyer, path={"offer_id": offer["id"]})[0] == 404
    assert invoke("rfo_delete", principal=buyer, path={"rfo_id": rfo["id"]})[0] == 404


def test_admin_audit_search_by_target_actor_and_day() -> None:
    admin_key = {"kind": "admin", "id": "adm_ops", "scopes": ["admin"]}
    buyer = register("buyer")
    rfo = create_rfo(buyer)
    act(buyer, "close", rfo["id"], {"reason": "done"})
    status, _, page = invoke("admin_audit", principal=admin_key, query={"target": rfo["id"]})
    assert status == 200 and [e["action"] for e in page["data"]] == ["create", "close"]
    assert page["data"][1]["source_ip"] == "203.0.113.7" and page["data"][1]["request_id"]
    by_actor = invoke("admin_audit", principal=admin_key, query={"actor": buyer["id"]})[2]["data"]
    assert [e["action"] for e in by_actor] == ["close", "create", "register"]
    today = invoke("admin_audit", principal=admin_key)[2]["data"]
    assert {e["target_id"] for e in today} >= {rfo["id"], buyer["id"]}
    assert invoke("admin_audit", principal=buyer)[0] == 403
    assert all(buyer["api_key"] not in json.dumps(e) for e in today)


# --- bait and switch: an award pins what the buyer decided on (issue 9, finding 5) ------------------------------


@pytest.fixture
def price_raises_allowed(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Revisions may raise the price (not the default), so the award's own pin can be shown to hold."""
    monkeypatch.setenv("INTENTBID_ALLOW_PRICE_INCREASE", "true")
    config.settings.cache_clear()
    yield
    config.settings.cache_clear()


def revise(vendor: dict[str, Any], offer_id: str, **body: Any) -> tuple[int, Any]:
    status, _, out = invoke("offer_revise", principal=vendor, path={"offer_id": offer_id}, body=body)
    return status, out


@pytest.mark.usefixtures("price_raises_allowed")
def test_bait_and_switch_an_award_pinned_to_the_ranked_revision_refuses_the_raised_price() -> None:
    buyer, vendor, rival = register("buyer"), register("vendor"), register("vendor", "Rival")
    rfo = create_rfo(buyer)  # budget 5,000 per unit
    _, bait = submit(vendor, rfo["id"], unit_price=3_900)
    submit(rival, rfo["id"], unit_price=4_500)
    # The buyer reads the ranking: the bait is first at 3,900, revision 1; and the offer, with its ETag
    top = invoke("ranking", principal=buyer, path={"rfo_id": rfo["id"]})[2]["data"][0]
    assert (top["offer_id"], top["unit_price"], top["revision"], top["awardable"]) == (bait["id"], 3_900, 1, True)
    status, headers, seen = invoke("offer_get", principal=buyer, path={"offer_id": bait["id"]})
    assert status == 200 and seen["revision"] == 1 and headers["ETag"].startswith('"')
    etag = headers["ETag"]
    # ... and the vendor switches to 7,400 (48 % over budget) before the award
    later(31)
    assert revise(vendor, bait["id"], unit_price=7_400)[0] == 200
    status, headers, now_seen = invoke("offer_get", principal=buyer, path={"offer_id": bait["id"]})
    assert now_seen["revision"] == 2 and headers["ETag"] != etag
    for pin in ({"body": {"offer_id": bait["id"], "offer_revision": 1}}, {"headers": {"If-Match": etag}}):
        body = pin.get("body", {"offer_id": bait["id"]})
        status, _, problem = invoke(
            "rfo_award", principal=buyer, path={"rfo_id": rfo["id"]}, body=body, headers=pin.get("headers")
        )
        assert status == 409 and problem["code"] == "offer_changed", pin
        assert problem["current_revision"] == 2 and "revision 2" in problem["detail"]
        assert problem["current_etag"] == headers["ETag"]
    # Nothing changed: the RFO is OPEN, the offer active, no award in the trail
    assert invoke("rfo_get", principal=buyer, path={"rfo_id": rfo["id"]})[2]["status"] == "OPEN"
    assert invoke("offer_get", principal=buyer, path={"offer_id": bait["id"]})[2]["status"] == "active"
    assert [h["action"] for h in history(buyer, rfo["id"])] == ["create"]
    # Pinned to what it now sees (both ways at once), the award goes through and the audit records the terms
    status, _, awarded = invoke(
        "rfo_award",
        principal=buyer,
        path={"rfo_id": rfo["id"]},
        body={"offer_id": bait["id"], "offer_revision": 2},
        headers={"If-Match": f'W/"x", {headers["ETag"]}'},
    )
    assert status == 200 and awarded["awarded_offer_id"] == bait["id"]
    entry = history(buyer, rfo["id"])[-1]
    assert entry["action"] == "award"
    assert {k: entry["payload"][k] for k in ("unit_price", "total_price", "offer_revision", "pinned")} == {
        "unit_price": 7_400,
        "total_price": 740_000,
        "offer_revision": 2,
        "pinned": True,
    }


def test_an_unpinned_award_still_works_and_records_the_price_it_awarded() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    _, offer = submit(vendor, rfo["id"], unit_price=3_900, quantity_available=80)
    status, _, _ = invoke(
        "rfo_award",
        principal=buyer,
        path={"rfo_id": rfo["id"]},
        body={"offer_id": offer["id"]},
        headers={"If-Match": "*"},
    )
    assert status == 200
    payload = history(buyer, rfo["id"])[-1]["payload"]
    assert (payload["unit_price"], payload["total_price"], payload["offer_revision"], payload["pinned"]) == (
        3_900,
        3_900 * 80,
        1,
        False,
    )


def test_a_stale_or_malformed_pin_is_refused_before_anything_is_written() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    _, offer = submit(vendor, rfo["id"])
    _, headers, _ = invoke("offer_get", principal=buyer, path={"offer_id": offer["id"]})
    path, body = {"rfo_id": rfo["id"]}, {"offer_id": offer["id"]}
    for if_match in ("W/" + headers["ETag"], '"not-the-etag"', headers["ETag"].strip('"')):
        status, _, problem = invoke("rfo_award", principal=buyer, path=path, body=body, headers={"If-Match": if_match})
        assert status == 409 and problem["code"] == "offer_changed", if_match
    for bad in (0, -1, "1", 1.5, True):
        status, _, problem = invoke("rfo_award", principal=buyer, path=path, body={**body, "offer_revision": bad})
        assert status == 400 and problem["errors"][0]["field"] == "offer_revision", bad
    assert [h["action"] for h in history(buyer, rfo["id"])] == ["create"]


@pytest.mark.usefixtures("price_raises_allowed")
def test_a_revision_between_the_awards_read_and_its_write_is_caught_by_the_transaction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Race-safety: the pin is part of the award transaction's condition, not only a pre-read. The award reads
    the offers, then the vendor's revision lands, then the award writes: pinned -> 409 offer_changed; unpinned ->
    decided again on the fresh offer, so the audit records the price actually awarded."""
    from intentbid.store import offers as offer_store

    buyer, vendor = register("buyer"), register("vendor")
    rfo, other = create_rfo(buyer), create_rfo(buyer)
    _, offer = submit(vendor, rfo["id"], unit_price=3_900)
    _, offer2 = submit(vendor, other["id"], unit_price=3_900)
    real = offer_store.all_for_rfo

    def revised_right_after_the_read(rfo_id: str) -> Any:
        stale = list(real(rfo_id))
        if not calls:
            target = offer if rfo_id == rfo["id"] else offer2
            assert revise(vendor, target["id"], unit_price=7_400)[0] == 200
        calls.append(rfo_id)
        return iter(stale)

    later(31)
    monkeypatch.setattr(offer_store, "all_for_rfo", revised_right_after_the_read)
    calls: list[str] = []
    status, _, problem = act_with(buyer, rfo["id"], {"offer_id": offer["id"], "offer_revision": 1})
    assert status == 409 and problem["code"] == "offer_changed" and problem["current_revision"] == 2
    assert invoke("rfo_get", principal=buyer, path={"rfo_id": rfo["id"]})[2]["status"] == "OPEN"
    calls.clear()
    status, _, awarded = act_with(buyer, other["id"], {"offer_id": offer2["id"]})
    assert status == 200 and awarded["awarded_offer_id"] == offer2["id"] and len(calls) == 2, (
        calls
    )  # the first transaction lost; the rerun read afresh
    payload = history(buyer, other["id"])[-1]["payload"]
    assert (payload["unit_price"], payload["offer_revision"]) == (7_400, 2)


def act_with(buyer: dict[str, Any], rfo_id: str, body: dict[str, Any]) -> tuple[int, Any, Any]:
    return invoke("rfo_award", principal=buyer, path={"rfo_id": rfo_id}, body=body)
