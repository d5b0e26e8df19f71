"""Apply or revert data migrations against the ledger: resumable (a checkpoint after every page), leased (one
runner per migration at a time), idempotent (an applied version is a no-op), and refusing what would lose data
(``down`` of a migration whose data changed since, or of a module edited since it was applied)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from intentbid.store import migrations as ledger_store
from migrations import Migration, discover

log = logging.getLogger("migrations")
LEASE = timedelta(minutes=5)  # a crashed runner's migration can be resumed by another after this


class MigrationRefused(Exception):
    """The run would be unsafe or ambiguous; nothing was changed by this call."""


@dataclass
class Step:
    version: int
    name: str
    direction: str
    items: int = 0
    pages: int = 0
    resumed: bool = False


@dataclass
class Report:
    steps: list[Step] = field(default_factory=list)

    @property
    def nothing_to_do(self) -> bool:
        return not self.steps


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class State:
    migration: Migration
    status: str  # pending | running | applied | reverted
    entry: ledger_store.LedgerEntry | None

    @property
    def applied(self) -> bool:
        return self.status == "applied"

    @property
    def touched(self) -> bool:
        """Some of its data may be in place: applied, or a run (either way) stopped part-way."""
        return self.status in ("applied", "running")

    @property
    def edited(self) -> bool:
        """Applied (or part-way), but its module is no longer the one the ledger recorded."""
        return self.entry is not None and self.status != "reverted" and self.entry.checksum != self.migration.checksum


def states(found: list[Migration] | None = None) -> list[State]:
    found = discover() if found is None else found
    known = ledger_store.ledger()
    unknown = sorted(set(known) - {m.version for m in found})
    if unknown:
        raise MigrationRefused(
            f"the ledger has migrations this code does not know ({unknown}): the data is newer than this code"
        )
    return [State(m, known[m.version].status if m.version in known else "pending", known.get(m.version)) for m in found]


def pending(found: list[Migration] | None = None) -> list[Migration]:
    return [s.migration for s in states(found) if not s.applied]


def required_pending(found: list[Migration] | None = None, required: int | None = None) -> list[Migration]:
    """Pending migrations the code needs applied before it deploys (``REQUIRED_VERSION``)."""
    required = ledger_store.REQUIRED_VERSION if required is None else required
    return [m for m in pending(found) if m.version <= required]


def run(
    to: int | None = None,
    *,
    by: str,
    page_size: int = 100,
    found: list[Migration] | None = None,
    now: Callable[[], datetime] = _now,
    after_page: Callable[[Step], None] | None = None,
    only: str | None = None,
) -> Report:
    """Bring the data to version ``to`` (None: every migration applied): ``up`` the pending ones at or below it
    in ascending order, ``down`` the applied ones above it in descending order; ``only="up"|"down"`` refuses a
    target that needs the other direction. ``after_page`` is called after every checkpoint (tests stop a run
    there)."""
    current = states(found)
    edited = [s for s in current if s.edited]
    if edited:
        names = ", ".join(f"m{s.migration.version:04d}" for s in edited)
        raise MigrationRefused(
            f"{names} changed since it was applied (checksum differs): an applied migration is never edited; "
            "restore it and write a new migration"
        )
    target = max((s.migration.version for s in current), default=0) if to is None else to
    ups = [s for s in current if s.migration.version <= target and not s.applied]
    downs = sorted(
        (s for s in current if s.migration.version > target and s.touched), key=lambda s: -s.migration.version
    )
    if only == "up" and downs:
        raise MigrationRefused(f"versions above {target} are applied: reverting them needs down (or migrate)")
    if only == "down" and ups:
        raise MigrationRefused(f"versions at or below {target} are pending: applying them needs up (or migrate)")
    for s in downs:
        blockers = s.migration.down_blockers()
        if blockers:
            raise MigrationRefused(
                f"m{s.migration.version:04d} ({s.migration.name}) cannot be reverted: data changed since it was "
                "applied: " + "; ".join(blockers)
            )
    run_id = uuid.uuid4().hex
    report = Report()
    for s, direction in [*((s, "down") for s in downs), *((s, "up") for s in ups)]:
        report.steps.append(
            _one(s, direction, run_id=run_id, by=by, page_size=page_size, now=now, after_page=after_page)
        )
    return report


def _one(
    s: State,
    direction: str,
    *,
    run_id: str,
    by: str,
    page_size: int,
    now: Callable[[], datetime],
    after_page: Callable[[Step], None] | None,
) -> Step:
    m = s.migration
    try:
        entry = ledger_store.begin(
            m.version, m.name, m.checksum, direction, run_id=run_id, by=by, now=now(), lease_until=now() + LEASE
        )
    except ledger_store.LeaseHeld as exc:
        raise MigrationRefused(str(exc)) from exc
    step = Step(m.version, m.name, direction, items=entry.items, pages=entry.pages, resumed=entry.cursor is not None)
    cursor = entry.cursor
    log.info(
        "m%04d %s: %s%s", m.version, m.name, direction, f" (resuming after {entry.pages} pages)" if step.resumed else ""
    )
    work = m.up if direction == "up" else m.down
    while True:
        page = work(cursor, page_size)
        cursor = page.cursor
        ledger_store.checkpoint(m.version, run_id, cursor, page.changed, now() + LEASE)
        step.items += page.changed
        step.pages += 1
        if after_page is not None:
            after_page(step)
        if cursor is None:
            break
    ledger_store.finish(m.version, run_id, "applied" if direction == "up" else "reverted", now())
    log.info("m%04d %s: %s done, %d items in %d pages", m.version, m.name, direction, step.items, step.pages)
    return step
