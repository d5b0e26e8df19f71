"""``make dev``'s saved data against the real tables (in-process moto): every table's items survive a dump, the
file and a restore into new tables; keys work afterwards (only hashes are stored); the outbox stream poller
starts after the restore's own writes (they are not new events), yet sees what comes next."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from intentbid.domain.keys import hash_key
from intentbid.schemas.accounts import RegisterRequest
from intentbid.services import accounts
from intentbid.store import base, outbox
from intentbid.store.key_lookup import find_by_hash
from intentbid.store.tables import all_specs, create_all
from intentbid_local import snapshot
from intentbid_local.admin import admin_key_works
from intentbid_local.pollers import StreamPoller

SOURCE, COPY = "intentbid-test-", "intentbid-copy-"


def tables(prefix: str) -> list[str]:
    return [prefix + spec.logical_name for spec in all_specs()]


def sorted_items(dumped: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    return {name: sorted(repr(sorted(item.items())) for item in items) for name, items in dumped.items()}


def seed() -> tuple[str, str]:
    """An admin and a buyer, through the real services (accounts, keys, ledger, audit, outbox items)."""
    _admin, admin_key = accounts.create_admin("local-admin")
    buyer = accounts.register("buyer", RegisterRequest(name="Acme", email="ops@acme.example"))
    return admin_key, buyer.api_key


def restore_into_copy(tmp_path: Path) -> tuple[Any, snapshot.Snapshot, str, str]:
    admin_key, buyer_key = seed()
    ddb = boto3.client("dynamodb")
    path = tmp_path / "data.json"
    snapshot.write(path, snapshot.Snapshot(snapshot.dump(ddb, tables(SOURCE), SOURCE), "adm", admin_key))
    saved = snapshot.load(path)
    assert saved is not None
    base.bind(COPY)
    create_all(ddb)
    written = snapshot.restore(ddb, saved, tables(COPY), COPY)
    assert sum(written.values()) == saved.count() > 0
    return ddb, saved, admin_key, buyer_key


def test_every_table_survives_dump_file_and_restore_and_keys_still_work(aws: None, tmp_path: Path) -> None:
    ddb, saved, admin_key, buyer_key = restore_into_copy(tmp_path)
    assert set(saved.tables) == {spec.logical_name for spec in all_specs()}
    assert saved.tables["accounts"] and saved.tables["api-keys"] and saved.tables["outbox"]
    assert sorted_items(snapshot.dump(ddb, tables(COPY), COPY)) == sorted_items(saved.tables)
    # the models now read the restored tables: the keys' hashes are there
    found = find_by_hash(hash_key(buyer_key))
    assert found is not None and found.owner_kind == "buyer" and found.status == "active"
    assert admin_key_works(admin_key)
    assert not admin_key_works(buyer_key)  # a key, but not an admin's
    assert not admin_key_works("ib_live_" + "x" * 32)


def test_the_stream_poller_starts_after_the_restore_and_sees_new_records(aws: None, tmp_path: Path) -> None:
    ddb, saved, _, _ = restore_into_copy(tmp_path)
    outbox_table = COPY + "outbox"
    streams = boto3.client("dynamodbstreams")
    start = snapshot.stream_positions(ddb, streams, outbox_table)
    assert start is not None

    seen: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.extend(r["dynamodb"]["NewImage"]["id"]["S"] for r in event["Records"])
        return {"batchItemFailures": []}

    def client(service: str) -> Any:
        return boto3.client(service)

    resumed = StreamPoller("outbox_dispatch", handler, 50, client, outbox_table, start)
    resumed.poll_once()
    assert seen == []  # the restore's writes are not redelivered
    fresh = outbox.event("test.after_restore", "sub_1", "live", {}, datetime.now(UTC))
    fresh.save()
    resumed.poll_once()
    assert seen == [fresh.id]

    # without the start position a poller would replay every restored outbox item as if it were new
    seen.clear()
    StreamPoller("outbox_dispatch", handler, 50, client, outbox_table).poll_once()
    assert len(seen) == len(saved.tables["outbox"]) + 1
