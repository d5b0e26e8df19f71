"""The OpenAPI document's examples against the real handlers: at the examples' own moment (``examples.NOW``, the
clock frozen there) every request example is accepted with its operation's success status, and every answer
has the shape of the operation's success example (the same fields, also of a listing's items).

The story is the one the examples tell: the registrations, the RFO and the offer are made from the examples
themselves; only the ids (new ones each run) are the real ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from lambda_harness import invoke

from intentbid import config
from intentbid.domain import clock
from intentbid.routes import BY_FUNCTION, ROUTES
from intentbid.schemas import examples as ex

pytestmark = pytest.mark.usefixtures("aws")
ADMIN = {"kind": "admin", "id": ex.ADMIN_ID, "scopes": ["admin"]}


@pytest.fixture
def story_clock() -> Any:
    now = {"t": datetime.fromisoformat(ex.NOW).timestamp()}
    clock.set_clock(lambda: now["t"])
    config.settings.cache_clear()
    yield now
    clock.set_clock(None)
    config.settings.cache_clear()


def _principal(kind: str, registration: dict[str, Any]) -> dict[str, Any]:
    key = registration["key"]
    return {"kind": kind, "id": registration[kind]["id"], "scopes": key["scopes"], "key_id": key["key_id"]}


def _shape(value: Any) -> Any:
    """The field names of an answer, and of a listing's first item."""
    if not isinstance(value, dict):
        return type(value).__name__
    shape: dict[str, Any] = {"fields": sorted(value)}
    if isinstance(value.get("data"), list) and value["data"]:
        shape["item"] = sorted(value["data"][0])
    return shape


def test_every_request_example_is_accepted_and_answers_in_the_example_s_shape(story_clock: dict[str, float]) -> None:
    answers: dict[str, tuple[int, Any]] = {}

    def call(function: str, **kwargs: Any) -> Any:
        example = ex.EXAMPLES[function]
        if BY_FUNCTION[function].request and "body" not in kwargs:
            kwargs["body"] = example.request
        status, _, body = invoke(function, **kwargs)
        answers[function] = (status, body)
        return body

    vendor = _principal("vendor", call("vendor_register"))
    buyer = _principal("buyer", call("buyer_register"))
    other_vendor = invoke("vendor_register", body={"name": "Fabrikam Paper", "email": "bids@fabrikam.example"})[2]
    other = _principal("vendor", other_vendor)
    call("me", principal=buyer)
    rfo_id = call("rfo_create", principal=buyer)["id"]
    on_rfo = {"rfo_id": rfo_id}
    offer_id = call("offer_submit", principal=vendor, path=on_rfo)["id"]
    rival = invoke("offer_submit", principal=other, path=on_rfo, body={**ex.OFFER_REQUEST, "unit_price": 4_100})
    assert rival[0] == 201, rival[2]
    call("rfo_list", principal=vendor)
    call("rfo_get", principal=buyer, path=on_rfo)
    call("offer_get", principal=vendor, path={"offer_id": offer_id})
    call("offer_list", principal=buyer, path=on_rfo)
    call("vendor_offers", principal=vendor, path={"vendor_id": vendor["id"]})
    call("rfo_weights", principal=buyer, path=on_rfo)
    call("ranking", principal=buyer, path=on_rfo)
    call("ranking_explain", principal=buyer, path=on_rfo)
    token = call("public_token_create", principal=buyer, path=on_rfo)["token"]
    call("public_rfo", path={"token": token})
    call("scoring_catalog")
    call("health")
    call("ready")
    call("openapi")
    call("docs")
    call("errors")
    call("error_entry", path={"code": "offer_changed"})
    call("admin_flags", principal=ADMIN, query={"day": ex.NOW[:10]})
    for kind, who in (("vendor", vendor), ("buyer", buyer)):
        owner = {f"{kind}_id": who["id"]}
        key_id = call(f"{kind}_key_create", principal=who, path=owner)["key"]["key_id"]
        call(f"{kind}_key_list", principal=who, path=owner)
        call(f"{kind}_key_patch", principal=who, path={**owner, "key_id": key_id})
        call(f"{kind}_key_rotate", principal=who, path={**owner, "key_id": key_id})
        call(f"{kind}_key_revoke", principal=who, path={**owner, "key_id": key_id})
        call(f"{kind}_patch", principal=who, path=owner)
    invoke("offer_submit", principal=other, path=on_rfo, body={**ex.OFFER_REQUEST, "unit_price": 50})  # refused
    call("vendor_rejections", principal=other, path={"vendor_id": other["id"]})
    call("admin_cooldown_set", principal=ADMIN, path={"vendor_id": other["id"]})
    call("admin_cooldown_lift", principal=ADMIN, path={"vendor_id": other["id"]})
    story_clock["t"] = datetime.fromisoformat(ex.LATER).timestamp()  # revisions are rate limited: a while later
    call("offer_revise", principal=vendor, path={"offer_id": offer_id})
    call("offer_withdraw", principal=other, path={"offer_id": rival[2]["id"]})
    award = {**ex.EXAMPLES["rfo_award"].request, "offer_id": offer_id}  # at the revision the example pins: 2
    call("rfo_award", principal=buyer, path=on_rfo, body=award)
    call("rfo_history", principal=buyer, path=on_rfo)
    call("admin_audit", principal=ADMIN, query={"target": rfo_id, "day": ex.NOW[:10]})
    second = {"rfo_id": call("rfo_create", principal=buyer)["id"]}
    call("rfo_close", principal=buyer, path=second)
    call("rfo_reopen", principal=buyer, path=second)
    call("public_token_create", principal=buyer, path=second)
    call("public_token_revoke", principal=buyer, path=second)
    call("rfo_delete", principal=buyer, path=second)
    hook = {"webhook_id": call("webhook_create", principal=vendor)["webhook"]["id"]}  # the name resolves nowhere
    call("webhook_list", principal=vendor)
    call("webhook_get", principal=vendor, path=hook)
    call("webhook_patch", principal=vendor, path=hook)
    call("webhook_rotate", principal=vendor, path=hook)
    delivery = {**hook, "delivery_id": call("webhook_test", principal=vendor, path=hook)["delivery"]["id"]}
    call("webhook_deliveries", principal=vendor, path=hook)
    call("webhook_delivery_get", principal=vendor, path=delivery)
    call("webhook_delivery_retry", principal=vendor, path=delivery)
    call("webhook_recover", principal=vendor, path=hook)
    call("webhook_delete", principal=vendor, path=hook)
    # no outbox dispatch in this story: an empty log (tests/integration/test_event_log_api.py)
    call("event_list", principal=vendor)
    call("realtime_ticket", principal=vendor)

    assert set(answers) == {r.function for r in ROUTES}
    wrong_status = {f: s for f, (s, body) in answers.items() if s != BY_FUNCTION[f].status}
    assert wrong_status == {}, {f: answers[f][1] for f in wrong_status}
    wrong_shape = {}
    for function, (_, body) in answers.items():
        if BY_FUNCTION[function].status == 204 or function == "openapi":  # the example abbreviates the document
            continue
        real, documented = _shape(body), _shape(ex.EXAMPLES[function].success)
        if (
            isinstance(documented, dict) and isinstance(real, dict) and "item" not in real
        ):  # an empty listing (no flag raised in this story)
            documented.pop("item", None)
        if real != documented:
            wrong_shape[function] = (real, documented)
    assert wrong_shape == {}
