"""The migration ledger's verbs (``migrations/`` runs data migrations through them and through the data verbs
of the other store modules; nothing outside ``store/`` touches a table model)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from intentbid.store.models.migrations import MigrationModel

# The highest data migration (migrations/m<NNNN>_*.py) this code needs applied before it is deployed: a deploy
# refuses while one up to it is pending. 1: offers are found by id only through their pointers (the by_id index
# is gone), so m0001 must have given the older offers theirs.
REQUIRED_VERSION = 1


@dataclass(frozen=True)
class LedgerEntry:
    version: int
    name: str
    checksum: str
    status: str  # running | applied | reverted
    direction: str  # up | down
    cursor: str | None
    items: int
    pages: int
    by: str
    started_at: datetime
    finished_at: datetime | None
    lease_until: datetime | None


class LeaseHeld(Exception):
    """Another runner holds the migration's lease (or took it over since this runner's last checkpoint)."""


def _entry(m: MigrationModel) -> LedgerEntry:
    return LedgerEntry(
        int(m.version),
        m.name,
        m.checksum,
        m.status,
        m.direction,
        m.cursor,
        int(m.items or 0),
        int(m.pages or 0),
        m.by,
        m.started_at,
        m.finished_at,
        m.lease_until,
    )


def stage_tables() -> str:
    """``ready`` (the ledger table exists), ``new`` (no tables at all: a stage before its first deploy) or
    ``no_ledger`` (data tables from before the ledger existed). Two DescribeTable calls at most."""
    from intentbid.store.models.offers import OfferModel

    if MigrationModel.exists():
        return "ready"
    return "no_ledger" if OfferModel.exists() else "new"


def ledger() -> dict[int, LedgerEntry]:
    """Every version the ledger knows (a small table: one item per migration ever run)."""
    return {int(m.version): _entry(m) for m in MigrationModel.scan(consistent_read=True)}


def get(version: int) -> LedgerEntry | None:
    try:
        return _entry(MigrationModel.get(version, consistent_read=True))
    except DoesNotExist:
        return None


def begin(
    version: int,
    name: str,
    checksum: str,
    direction: str,
    *,
    run_id: str,
    by: str,
    now: datetime,
    lease_until: datetime,
) -> LedgerEntry:
    """Take the version's lease for a run in ``direction``. A run of the same direction that stopped (its lease
    expired) is resumed from its checkpoint; otherwise the run starts from the beginning. Raises ``LeaseHeld``
    while another runner's lease is valid."""
    current = get(version)
    resume = current is not None and current.status == "running" and current.direction == direction
    item = MigrationModel(
        version,
        name=name,
        checksum=checksum,
        status="running",
        direction=direction,
        cursor=current.cursor if resume and current else None,
        items=current.items if resume and current else 0,
        pages=current.pages if resume and current else 0,
        run_id=run_id,
        by=by,
        started_at=current.started_at if resume and current else now,
        finished_at=None,
        lease_until=lease_until,
    )
    free = MigrationModel.status.does_not_exist() | (MigrationModel.status != "running")
    free |= MigrationModel.lease_until < now
    try:
        item.save(condition=free)
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise LeaseHeld(f"migration {version} is being run by another runner") from exc
        raise
    return _entry(item)


def checkpoint(version: int, run_id: str, cursor: str | None, items: int, lease_until: datetime) -> None:
    """Record a finished page (its cursor and the running count) and extend the lease; refused (``LeaseHeld``)
    when another runner has taken the run over."""
    item = MigrationModel(version)
    try:
        item.update(
            actions=[
                MigrationModel.cursor.set(cursor) if cursor is not None else MigrationModel.cursor.remove(),
                MigrationModel.items.add(items),
                MigrationModel.pages.add(1),
                MigrationModel.lease_until.set(lease_until),
            ],
            condition=(MigrationModel.status == "running") & (MigrationModel.run_id == run_id),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise LeaseHeld(f"migration {version}: the run was taken over by another runner") from exc
        raise


def finish(version: int, run_id: str, status: str, now: datetime) -> None:
    item = MigrationModel(version)
    try:
        item.update(
            actions=[
                MigrationModel.status.set(status),
                MigrationModel.finished_at.set(now),
                MigrationModel.cursor.remove(),
                MigrationModel.lease_until.remove(),
            ],
            condition=(MigrationModel.status == "running") & (MigrationModel.run_id == run_id),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise LeaseHeld(f"migration {version}: the run was taken over by another runner") from exc
        raise
