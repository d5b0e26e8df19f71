from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from intentbid.store.base import BaseModel


class MigrationModel(BaseModel):
    """The migration ledger: one item per data migration (``migrations/m<NNNN>_*.py``), the version it is at
    and the checkpoint of the run in progress, so an interrupted run resumes where it stopped."""

    logical_name = "migrations"

    class Meta:
        table_name = ""

    version = NumberAttribute(hash_key=True)
    name = UnicodeAttribute()
    checksum = UnicodeAttribute()  # sha256 of the module's source when it was (last) applied
    status = UnicodeAttribute()  # running | applied | reverted
    direction = UnicodeAttribute()  # up | down: of the run in progress or of the last run
    cursor = UnicodeAttribute(null=True)  # checkpoint of the run in progress (opaque to the ledger)
    items = NumberAttribute(default=0)  # items changed by the run in progress or the last run
    pages = NumberAttribute(default=0)
    run_id = UnicodeAttribute()  # the runner instance holding (or last holding) the lease
    by = UnicodeAttribute()  # who ran it (the runner's identity: an IAM ARN, a user@host)
    started_at = UTCDateTimeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)
    lease_until = UTCDateTimeAttribute(null=True)  # while running: another runner waits until then
