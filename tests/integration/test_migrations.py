"""Data migrations (``migrations/``): up -> down -> up on seeded data, checked after each step; resumable after a
crash without repeating work; idempotent; refusing a down whose data changed, an edited module, a busy lease and
a ledger newer than the code."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from helpers import create_rfo, register, submit
from lambda_harness import invoke

from intentbid.domain import ids
from intentbid.store import migrations as ledger_store
from intentbid.store.models.migrations import MigrationModel
from intentbid.store.models.offers import POINTER_PREFIX, OfferModel, OfferPointerModel
from migrations import Migration, discover, runner

pytestmark = pytest.mark.usefixtures("aws")
LEGACY = 7  # offers stored before pointers existed


@pytest.fixture
def seeded() -> dict[str, Any]:
    """Offers submitted today (pointer written with the offer) and legacy ones (no pointer)."""
    buyer = register("buyer")
    vendors = [register("vendor", name=f"V{i}") for i in range(3)]
    rfo = create_rfo(buyer)
    current = [submit(v, rfo["id"])[1] for v in vendors]
    template = OfferModel.get(rfo["id"], current[0]["id"], consistent_read=True).attribute_values
    legacy = []
    for _ in range(LEGACY):
        offer = OfferModel(
            rfo["id"], ids.new_id("off"), **{k: v for k, v in template.items() if k not in ("rfo_id", "id")}
        )
        offer.save()
        legacy.append(offer.id)
    return {"buyer": buyer, "vendor": vendors[0], "rfo": rfo, "current": [o["id"] for o in current], "legacy": legacy}


def pointers() -> dict[str, Any]:
    """offer id -> backfilled_by (None: written with the offer), for every pointer item."""
    out = {}
    for item in OfferPointerModel.scan(OfferPointerModel.key.startswith(POINTER_PREFIX), consistent_read=True):
        out[item.key.removeprefix(POINTER_PREFIX)] = item.backfilled_by
    return out


def status_of(version: int) -> str:
    entry = ledger_store.get(version)
    return entry.status if entry else "pending"


def test_up_down_up_on_seeded_data(seeded: dict[str, Any]) -> None:
    legacy, current = set(seeded["legacy"]), set(seeded["current"])
    assert set(pointers()) == current and status_of(1) == "pending"
    for offer_id in legacy:  # without a pointer (and no index by id any more) an older offer is not found
        assert invoke("offer_get", principal=seeded["vendor"], path={"offer_id": offer_id})[0] == 404

    report = runner.run(by="test", page_size=3)
    assert [(s.version, s.direction, s.items) for s in report.steps] == [(1, "up", LEGACY)]
    got = pointers()
    assert set(got) == legacy | current
    assert {o for o, by in got.items() if by == 1} == legacy  # marked as the migration's; the others untouched
    assert status_of(1) == "applied"
    for offer_id in legacy:  # the backfilled pointers are what a read by id uses
        status, _, body = invoke("offer_get", principal=seeded["vendor"], path={"offer_id": offer_id})
        assert status == 200 and body["id"] == offer_id

    again = runner.run(by="test")
    assert again.nothing_to_do and ledger_store.get(1).items == LEGACY  # an applied version is a no-op

    down = runner.run(0, by="test", page_size=4)
    assert [(s.direction, s.items) for s in down.steps] == [("down", LEGACY)]
    assert set(pointers()) == current  # only what the migration wrote is gone
    assert status_of(1) == "reverted"
    for offer_id in legacy:  # as before the migration
        assert invoke("offer_get", principal=seeded["vendor"], path={"offer_id": offer_id})[0] == 404

    up = runner.run(by="test", page_size=5)
    assert [(s.direction, s.items) for s in up.steps] == [("up", LEGACY)]
    assert set(pointers()) == legacy | current and status_of(1) == "applied"


class Crash(Exception):
    pass


def test_an_interrupted_run_resumes_from_its_checkpoint_without_repeating_work(seeded: dict[str, Any]) -> None:
    def crash_after_two(step: runner.Step) -> None:
        if step.pages == 2:
            raise Crash

    with pytest.raises(Crash):
        runner.run(by="runner A", page_size=2, after_page=crash_after_two)
    entry = ledger_store.get(1)
    assert entry is not None and entry.status == "running" and entry.cursor is not None and entry.pages == 2
    done_before = entry.items

    # while runner A's lease is valid, nobody else runs the migration
    with pytest.raises(runner.MigrationRefused, match="another runner"):
        runner.run(by="runner B", page_size=2)

    later = datetime.now(UTC) + runner.LEASE + timedelta(seconds=1)
    seen: list[int] = []
    resumed = runner.run(by="runner B", page_size=2, now=lambda: later, after_page=lambda s: seen.append(s.pages))
    (step,) = resumed.steps
    assert step.resumed and seen[0] == 3  # went on from page 3: pages 1-2 were not scanned again
    assert step.items == LEGACY and ledger_store.get(1).items == LEGACY
    assert step.items - done_before == LEGACY - done_before
    assert {o for o, by in pointers().items() if by == 1} == set(seeded["legacy"])
    assert ledger_store.get(1).by == "runner B" and status_of(1) == "applied"


def test_a_down_whose_data_changed_since_is_refused_and_changes_nothing(seeded: dict[str, Any]) -> None:
    runner.run(by="test")
    victim = seeded["legacy"][0]
    OfferPointerModel(
        POINTER_PREFIX + victim, POINTER_PREFIX + victim, offer_rfo_id="rfo_elsewhere", backfilled_by=1
    ).save()
    with pytest.raises(runner.MigrationRefused, match=f"offer {victim} was changed since the backfill"):
        runner.run(0, by="test")
    assert set(pointers()) == set(seeded["legacy"]) | set(seeded["current"])
    assert status_of(1) == "applied"


def test_an_applied_module_that_was_edited_is_refused() -> None:
    runner.run(by="test")
    (real,) = [m for m in discover() if m.version == 1]
    edited = dataclasses.replace(real, checksum="0" * 64)
    for to in (None, 0):
        with pytest.raises(runner.MigrationRefused, match="m0001 changed since it was applied"):
            runner.run(to, by="test", found=[edited])
    assert status_of(1) == "applied"


def test_a_ledger_newer_than_the_code_is_refused() -> None:
    now = datetime.now(UTC)
    MigrationModel(
        99, name="from the future", checksum="x", status="applied", direction="up", run_id="r", by="x", started_at=now
    ).save()
    with pytest.raises(runner.MigrationRefused, match=r"does not know \(\[99\]\)"):
        runner.run(by="test")


def test_a_pending_migration_the_code_requires_is_what_the_deploy_check_reports(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from migrations.__main__ import main

    (real,) = [m for m in discover() if m.version == 1]
    assert runner.required_pending([real], required=0) == []
    assert ledger_store.REQUIRED_VERSION >= 1  # the code reads offers by id only through m0001's pointers
    assert [m.version for m in runner.required_pending([real])] == [1]
    assert main(["check", "--stage", "test"]) == 1
    assert "m0001" in capsys.readouterr().out
    runner.run(by="test", found=[real])
    assert runner.required_pending([real], required=1) == []
    assert main(["check", "--stage", "test"]) == 0


def test_every_module_is_well_formed() -> None:
    found = discover()
    assert [m.version for m in found] == list(range(1, len(found) + 1))  # numbered without gaps
    for m in found:
        assert isinstance(m, Migration) and m.name and len(m.checksum) == 64


def test_up_and_down_only_go_their_way(seeded: dict[str, Any]) -> None:
    with pytest.raises(runner.MigrationRefused, match="needs up"):
        runner.run(1, by="test", only="down")
    assert status_of(1) == "pending"
    runner.run(by="test", only="up")
    with pytest.raises(runner.MigrationRefused, match="needs down"):
        runner.run(0, by="test", only="up")
    assert runner.run(0, by="test", only="down").steps[0].items == LEGACY


def test_the_command_line_reports_and_migrates_a_stage(
    seeded: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    from migrations.__main__ import main

    assert main(["status", "--stage", "test"]) == 0
    assert "m0001 offer pointers" in capsys.readouterr().out and status_of(1) == "pending"
    assert main(["check", "--stage", "test"]) == 1  # the code requires m0001
    assert main(["migrate", "--stage", "test", "--by", "ci"]) == 0
    assert f"m0001 offer pointers: up, {LEGACY} items" in capsys.readouterr().out
    assert ledger_store.get(1).by == "ci"
    assert main(["up", "--stage", "test"]) == 0 and "nothing to do" in capsys.readouterr().out
    with pytest.raises(SystemExit):  # a revert names its target
        main(["down", "--stage", "test"])
    assert main(["down", "--to", "0", "--stage", "test"]) == 0 and status_of(1) == "reverted"


def test_the_deploy_check_on_a_new_stage_and_on_one_older_than_the_ledger(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    from intentbid.store.base import bind
    from migrations.__main__ import main

    assert main(["check", "--stage", "brand-new"]) == 0  # no tables at all
    assert "a new stage" in capsys.readouterr().out
    bind("intentbid-test-")
    boto3.client("dynamodb").delete_table(TableName="intentbid-test-migrations")  # a stage from before the ledger
    assert main(["check", "--stage", "test"]) == 1
    assert "first deploy the release that adds the ledger" in capsys.readouterr().out
    monkeypatch.setattr(ledger_store, "REQUIRED_VERSION", 0)
    assert main(["check", "--stage", "test"]) == 0
