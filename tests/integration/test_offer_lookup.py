"""An offer by id alone: its pointer (written with the offer) makes the read strongly consistent."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import create_rfo, register, submit
from lambda_harness import invoke

from intentbid.domain import ids
from intentbid.store.models.offers import OfferModel, OfferPointerModel
from migrations import runner

pytestmark = pytest.mark.usefixtures("aws")


def test_the_offer_is_found_through_its_pointer_not_an_eventually_consistent_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    status, offer = submit(vendor, rfo["id"])
    assert status == 201
    pointer = OfferPointerModel.get(f"offer#{offer['id']}", f"offer#{offer['id']}", consistent_read=True)
    assert pointer.offer_rfo_id == rfo["id"]

    def lagging(*_: Any, **__: Any) -> Any:  # the index has not caught up yet (as it may in AWS)
        return iter(())

    monkeypatch.setattr(OfferModel, "scan", lagging)  # nothing but the pointer's GetItem finds it
    monkeypatch.setattr(OfferModel.by_vendor, "query", lagging)
    for who in (vendor, buyer):
        status, _, got = invoke("offer_get", principal=who, path={"offer_id": offer["id"]})
        assert status == 200 and got["id"] == offer["id"]
    # the pointer's partition is no RFO's: an RFO's offers are only its offers
    listed = invoke("offer_list", principal=buyer, path={"rfo_id": rfo["id"]})[2]["data"]
    assert [o["id"] for o in listed] == [offer["id"]]
    status, _, withdrawn = invoke("offer_withdraw", principal=vendor, path={"offer_id": offer["id"]})
    assert status == 200 and withdrawn["status"] == "withdrawn"


def test_the_migration_writes_the_pointer_of_an_offer_older_than_pointers_once() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    _, offer = submit(vendor, rfo["id"])
    stored = OfferModel.get(rfo["id"], offer["id"], consistent_read=True).attribute_values
    legacy = OfferModel(rfo["id"], ids.new_id("off"), **{k: v for k, v in stored.items() if k not in ("rfo_id", "id")})
    legacy.save()  # as offers submitted before pointers were: no pointer, and no index by id any more
    assert invoke("offer_get", principal=vendor, path={"offer_id": legacy.id})[0] == 404
    (step,) = runner.run(by="test").steps
    assert step.items == 1  # the legacy offer's; the submitted offer has its pointer already
    status, _, got = invoke("offer_get", principal=vendor, path={"offer_id": legacy.id})
    assert status == 200 and got["id"] == legacy.id
    assert runner.run(by="test").nothing_to_do  # applied: a no-op
    assert invoke("offer_get", principal=vendor, path={"offer_id": ids.new_id("off")})[0] == 404
