"""``make dev`` keeps its data across a restart: every table's items in one JSON file under ``.local/``.

moto keeps everything in memory, so the runtime dumps the items of every table it created (a paginated Scan,
kept as DynamoDB JSON: lossless, no model knowledge) and, on the next start, writes them back with
BatchWriteItem after the tables exist and before the gateway serves. The file is written atomically (a 0600
temporary file, fsync, rename): a crash mid-save leaves the previous file whole. It is saved on a clean stop
(Ctrl-C, SIGTERM) and every ``save_every_s`` seconds while running (only when something changed), so a
``kill -9`` loses at most that much.

What is not kept, and why that is fine:
- Step Functions executions and SQS messages (the expiry schedule): the runtime re-arms the expiry of every
  OPEN or CLOSED RFO after a restore (``rearm_expiry``), at its deadline, or at once when it passed meanwhile.
- DynamoDB stream records: the restore itself writes the outbox table again, and those writes are not new
  events (they were dispatched in the earlier run), so the stream poller starts after them
  (``stream_positions``).
- Dead-letter queues' messages.

The file names its format and version; a file of another version, or one that does not parse, is set aside
(renamed, never deleted) with a warning, and the runtime starts empty.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger("intentbid_local.snapshot")

FORMAT = "intentbid-local-data"
VERSION = 1  # bump on a change that an older runtime could not restore (a table's key schema, the file's shape)
DATA_FILE = "data.json"
ADMIN_KEY_FILE = "admin-key"
BATCH = 25  # BatchWriteItem's limit
Item = dict[str, Any]


@dataclass
class Snapshot:
    tables: dict[str, list[Item]] = field(default_factory=dict)  # logical table name -> items (DynamoDB JSON)
    admin_id: str | None = None
    admin_key: str | None = None
    saved_at: str = ""

    def count(self) -> int:
        return sum(len(items) for items in self.tables.values())


# --- DynamoDB JSON <-> the file's JSON (binary values as base64; everything else is JSON already)


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _encode_typed(k, v) for k, v in value.items()}
    return value


def _encode_typed(kind: str, v: Any) -> Any:
    if kind == "B":
        return base64.b64encode(bytes(v)).decode()
    if kind == "BS":
        return [base64.b64encode(bytes(b)).decode() for b in v]
    if kind == "M":
        return {k: _encode(x) for k, x in v.items()}
    if kind == "L":
        return [_encode(x) for x in v]
    return v


def _decode(value: Any) -> Any:
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError(f"not an attribute value: {str(value)[:60]}")
    return {k: _decode_typed(k, v) for k, v in value.items()}


def _decode_typed(kind: str, v: Any) -> Any:
    if kind == "B":
        return base64.b64decode(v, validate=True)
    if kind == "BS":
        return [base64.b64decode(b, validate=True) for b in v]
    if kind == "M":
        return {k: _decode(x) for k, x in v.items()}
    if kind == "L":
        return [_decode(x) for x in v]
    return v


def encode_item(item: Item) -> Item:
    return {name: _encode(value) for name, value in item.items()}


def decode_item(item: Item) -> Item:
    if not isinstance(item, dict):
        raise ValueError(f"not an item: {str(item)[:60]}")
    return {str(name): _decode(value) for name, value in item.items()}


# --- the tables


def logical(table_name: str, prefix: str) -> str:
    return table_name[len(prefix) :] if table_name.startswith(prefix) else table_name


def dump(ddb: Any, table_names: Iterable[str], prefix: str) -> dict[str, list[Item]]:
    """Every item of every table (consistent reads), by logical table name."""
    out: dict[str, list[Item]] = {}
    for name in table_names:
        items: list[Item] = []
        for page in ddb.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
            items.extend(page.get("Items", []))
        out[logical(name, prefix)] = items
    return out


def restore(ddb: Any, snapshot: Snapshot, table_names: Iterable[str], prefix: str) -> dict[str, int]:
    """Write the snapshot's items into the (empty, just created) tables; items of a table this runtime does
    not create are skipped with a warning. Returns the items written per logical table."""
    by_logical = {logical(name, prefix): name for name in table_names}
    written: dict[str, int] = {}
    for table, items in snapshot.tables.items():
        physical = by_logical.get(table)
        if physical is None:
            log.warning("saved data: table %r no longer exists; its %d item(s) are not restored", table, len(items))
            continue
        for i in range(0, len(items), BATCH):
            requests = [{"PutRequest": {"Item": decode_item(it)}} for it in items[i : i + BATCH]]
            _batch_write(ddb, {physical: requests})
        written[table] = len(items)
    return written


def _batch_write(ddb: Any, request: dict[str, list[Item]]) -> None:
    for _ in range(10):
        unprocessed = ddb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
        if not unprocessed:
            return
        request = unprocessed
    raise RuntimeError("BatchWriteItem kept returning unprocessed items")


def stream_positions(ddb: Any, streams: Any, table_name: str) -> tuple[str, dict[str, str]] | None:
    """(stream ARN, {shard id: last sequence number}) of a table's stream as it is now: a stream poller that
    starts there skips the records the restore wrote. ``None`` when the table has no stream or it is empty."""
    arn = ddb.describe_table(TableName=table_name)["Table"].get("LatestStreamArn")
    if not arn:
        return None
    positions: dict[str, str] = {}
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        sid = shard["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=sid, ShardIteratorType="TRIM_HORIZON")[
            "ShardIterator"
        ]
        while iterator:
            resp = streams.get_records(ShardIterator=iterator, Limit=1000)
            records = resp.get("Records", [])
            if not records:
                break
            positions[sid] = records[-1]["dynamodb"]["SequenceNumber"]
            iterator = resp.get("NextShardIterator")
    return (arn, positions) if positions else None


def open_rfo_ids(snapshot: Snapshot) -> list[str]:
    """RFOs whose expiry the restore must re-arm: stored as OPEN or CLOSED and not deleted."""
    return [
        item["id"]["S"]
        for item in snapshot.tables.get("rfos", [])
        if item.get("status", {}).get("S") in ("OPEN", "CLOSED") and "S" in item.get("id", {})
        if not item.get("deleted_at", {}).get("S")
    ]


def rearm_expiry(rfo_ids: Iterable[str]) -> int:
    """Start each RFO's expiry execution again (the earlier moto's executions died with it). A deadline that
    passed meanwhile fires at once. Returns how many were scheduled."""
    from intentbid.adapters import expiry_scheduler as expiry
    from intentbid.store import rfos as store

    armed = 0
    for rfo_id in rfo_ids:
        rfo = store.get(rfo_id)
        if rfo is not None and expiry.schedule(rfo.id, rfo.expires_at, int(rfo.deadline_version)):
            armed += 1
    return armed


# --- the file


def write(path: Path, snapshot: Snapshot) -> None:
    """Atomically: a 0600 temporary file next to ``path``, fsync, rename."""
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "saved_at": snapshot.saved_at or datetime.now(UTC).isoformat(timespec="seconds"),
        "admin": {"id": snapshot.admin_id, "key": snapshot.admin_key},
        "tables": {name: [encode_item(it) for it in items] for name, items in snapshot.tables.items()},
    }
    write_private(path, json.dumps(doc, separators=(",", ":")))


def write_private(path: Path, text: str) -> None:
    """``text`` into ``path`` (mode 0600) atomically: readers see the old content or the new, never a part."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)  # O_CREAT's mode only applies to a new file
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class Unreadable(Exception):
    """The file is not a snapshot this runtime can restore; the message says why, for the warning."""


def parse(text: str) -> Snapshot:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise Unreadable(f"it is not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise Unreadable(f"it is not an {FORMAT} file")
    if doc.get("version") != VERSION:
        raise Unreadable(f"it is format version {doc.get('version')!r}; this runtime reads version {VERSION}")
    tables, admin = doc.get("tables"), doc.get("admin") or {}
    if not isinstance(tables, dict) or not isinstance(admin, dict):
        raise Unreadable("its tables or admin entry are malformed")
    try:
        return Snapshot(
            tables={str(name): [decode_item(it) for it in list(items)] for name, items in tables.items()},
            admin_id=admin.get("id"),
            admin_key=admin.get("key"),
            saved_at=str(doc.get("saved_at", "")),
        )
    except (AttributeError, TypeError, ValueError) as exc:
        raise Unreadable(f"an item is malformed ({type(exc).__name__}: {exc})") from None


def set_aside(path: Path, why: str) -> Path:
    """Rename ``path`` out of the way (never delete: the developer may want it back)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.{why}-{stamp}")
    path.replace(aside)
    return aside


def load(path: Path) -> Snapshot | None:
    """The saved snapshot, or ``None`` (no file; or an unreadable one, set aside with a warning)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        text = None
        problem = f"it cannot be read ({type(exc).__name__}: {exc})"
    if text is not None:
        try:
            return parse(text)
        except Unreadable as exc:
            problem = str(exc)
    try:
        aside: Path | str = set_aside(path, "unreadable")
    except OSError as exc:
        aside = f"(could not be moved: {exc})"
    log.warning("saved data %s not restored: %s. Starting empty; the file is kept at %s", path, problem, aside)
    return None


# --- the runtime's side


class Store:
    """The data directory (``make dev``: ``.local/``): the saved data and the admin key file."""

    def __init__(self, directory: Path, save_every_s: float = 10.0) -> None:
        self.directory = directory
        self.data_path = directory / DATA_FILE
        self.admin_key_path = directory / ADMIN_KEY_FILE
        self.save_every_s = save_every_s
        self._last_digest: str | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def discard(self) -> Path | None:
        """``make dev-reset``: set the saved data aside (as ``data.json.before-reset-<time>``) and start empty."""
        if not self.data_path.exists():
            return None
        aside = set_aside(self.data_path, "before-reset")
        log.info("saved data set aside at %s; starting empty", aside)
        return aside

    def load(self) -> Snapshot | None:
        return load(self.data_path)

    def write_admin_key(self, key: str | None) -> None:
        if key:
            write_private(self.admin_key_path, key + "\n")
        else:
            self.admin_key_path.unlink(missing_ok=True)

    def save(self, take: Callable[[], Snapshot]) -> bool:
        """Write what ``take()`` returns when it differs from the last save. True when it wrote."""
        with self._lock:
            snap = take()
            digest = hashlib.sha256(
                json.dumps([snap.tables, snap.admin_id, snap.admin_key], sort_keys=True, default=str).encode()
            ).hexdigest()
            if digest == self._last_digest:
                return False
            write(self.data_path, snap)
            self._last_digest = digest
            return True

    def start_autosave(self, take: Callable[[], Snapshot]) -> None:
        if self.save_every_s <= 0:
            return

        def run() -> None:
            took = 0.0
            # A save scans every table: with much data, wait longer, so saving costs at most ~10% of the time.
            while not self._stop.wait(max(self.save_every_s, 10 * took)):
                started = time.perf_counter()
                try:
                    if self.save(take):
                        log.debug("saved data in %.0fms", (time.perf_counter() - started) * 1000)
                except Exception as exc:  # never take the runtime down; the exit save tries again
                    log.warning("could not save data to %s: %s: %s", self.data_path, type(exc).__name__, exc)
                took = time.perf_counter() - started

        self._thread = threading.Thread(target=run, name="snapshot-autosave", daemon=True)
        self._thread.start()

    def stop_autosave(self) -> None:
        self._stop.set()
        if self._thread is not None:
            with contextlib.suppress(RuntimeError):
                self._thread.join(10)
            self._thread = None
