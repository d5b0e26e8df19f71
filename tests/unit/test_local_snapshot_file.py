"""``make dev``'s saved-data file (``intentbid_local.snapshot``): written atomically with mode 0600, read back
losslessly, and a file this runtime cannot read (corrupt, another format version) is set aside with a warning
and the runtime starts empty, never crashes."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest

from intentbid_local import snapshot
from intentbid_local.snapshot import Snapshot, Store

ITEM = {
    "id": {"S": "rfo_1"},
    "quantity": {"N": "12"},
    "blob": {"B": b"\x00\xffbinary"},
    "blobs": {"BS": [b"a", b"\x01"]},
    "weights": {"M": {"price": {"N": "0.5"}, "raw": {"B": b"\x02"}, "tags": {"L": [{"S": "x"}, {"B": b"\x03"}]}}},
    "flag": {"BOOL": True},
    "none": {"NULL": True},
    "names": {"SS": ["a", "b"]},
}


def test_a_snapshot_round_trips_through_its_file_with_binary_values(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    snapshot.write(path, Snapshot({"rfos": [ITEM], "offers": []}, "adm_1", "ib_live_k"))
    back = snapshot.load(path)
    assert back is not None
    assert back.tables == {"rfos": [ITEM], "offers": []}
    assert (back.admin_id, back.admin_key, back.count()) == ("adm_1", "ib_live_k", 1)
    doc = json.loads(path.read_text())
    assert (doc["format"], doc["version"]) == (snapshot.FORMAT, snapshot.VERSION)


def test_the_file_is_private_and_written_atomically(tmp_path: Path) -> None:
    path = tmp_path / "new" / "data.json"
    snapshot.write(path, Snapshot({"rfos": [ITEM]}))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)  # an existing file loosened by hand is tightened on the next save
    snapshot.write(path, Snapshot({"rfos": []}))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["data.json"]  # no temporary file left behind


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    snapshot.write(path, Snapshot({"rfos": [ITEM]}))
    with pytest.raises(TypeError):
        snapshot.write(path, Snapshot({"rfos": [{"id": {"S": object()}}]}))  # not JSON: fails mid-save
    back = snapshot.load(path)
    assert back is not None and back.tables == {"rfos": [ITEM]}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.json"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"format": "intentbid-local-data", "version": 1, "tables": {"rfos": [{"id"', "not valid JSON"),
        ("\x00\x01 not json", "not valid JSON"),
        ('{"format": "intentbid-local-data", "version": 2, "tables": {}}', "format version 2"),
        ('{"format": "something-else", "version": 1}', "not an intentbid-local-data file"),
        ('{"format": "intentbid-local-data", "version": 1, "tables": []}', "malformed"),
        ('{"format": "intentbid-local-data", "version": 1, "tables": {"rfos": [{"id": {"B": "%%"}}]}}', "malformed"),
    ],
)
def test_an_unreadable_file_is_set_aside_with_a_warning_and_the_runtime_starts_empty(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, text: str, why: str
) -> None:
    path = tmp_path / "data.json"
    path.write_text(text)
    with caplog.at_level(logging.WARNING, logger="intentbid_local.snapshot"):
        assert snapshot.load(path) is None
    assert not path.exists()
    (aside,) = tmp_path.iterdir()
    assert aside.name.startswith("data.json.unreadable-") and aside.read_text() == text  # kept, not deleted
    assert why in caplog.text and "Starting empty" in caplog.text and aside.name in caplog.text


def test_no_file_is_a_quiet_empty_start(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert snapshot.load(tmp_path / "data.json") is None
    assert caplog.text == ""


def test_a_save_writes_only_when_something_changed(tmp_path: Path) -> None:
    store = Store(tmp_path)
    state = Snapshot({"rfos": [ITEM]}, "adm_1", "ib_live_k")
    assert store.save(lambda: state) is True
    first = store.data_path.stat().st_mtime_ns
    assert store.save(lambda: Snapshot({"rfos": [ITEM]}, "adm_1", "ib_live_k")) is False
    assert store.data_path.stat().st_mtime_ns == first
    assert store.save(lambda: Snapshot({"rfos": [ITEM, {"id": {"S": "rfo_2"}}]}, "adm_1", "ib_live_k")) is True
    back = snapshot.load(store.data_path)
    assert back is not None and back.count() == 2


def test_reset_sets_the_saved_data_aside(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.save(lambda: Snapshot({"rfos": [ITEM]}))
    aside = store.discard()
    assert aside is not None and aside.name.startswith("data.json.before-reset-")
    assert store.load() is None and snapshot.load(aside) is not None
    assert store.discard() is None  # nothing to set aside


def test_the_admin_key_file_is_private_and_holds_the_key(tmp_path: Path) -> None:
    store = Store(tmp_path / ".local")
    store.write_admin_key("ib_live_abc")
    assert store.admin_key_path.read_text() == "ib_live_abc\n"
    assert stat.S_IMODE(store.admin_key_path.stat().st_mode) == 0o600
    store.write_admin_key(None)  # no admin this run: no stale key left behind
    assert not store.admin_key_path.exists()


def test_open_rfo_ids_are_those_stored_open_or_closed_and_not_deleted() -> None:
    def rfo(rfo_id: str, status: str, deleted: bool = False) -> dict[str, dict[str, str]]:
        item = {"id": {"S": rfo_id}, "status": {"S": status}}
        if deleted:
            item["deleted_at"] = {"S": "2026-01-01T00:00:00.000000+0000"}
        return item

    snap = Snapshot(
        {
            "rfos": [
                rfo("a", "OPEN"),
                rfo("b", "CLOSED"),
                rfo("c", "AWARDED"),
                rfo("d", "EXPIRED"),
                rfo("e", "OPEN", deleted=True),
            ]
        }
    )
    assert snapshot.open_rfo_ids(snap) == ["a", "b"]
