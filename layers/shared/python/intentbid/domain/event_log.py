"""The event log's keys and its two-partition read (``GET /v1/events``), as pure functions.

An account reads two partitions of its environment: its own (``own#<env>#<owner_id>``: events addressed to it)
and its kind's audience (``aud#<env>#<kind>``: events addressed to every account of that kind, such as
``rfo.created`` to every vendor, stored once rather than once per vendor). Sandbox and live are different
partitions, so a test key never reads a live event. Both are read newest first, merged, and the cursor holds
one position per partition: a sort key (the next page reads below it), ``""`` (not started: from the newest) or
``"-"`` (exhausted).

A sort key is the event time in milliseconds, zero-padded to 15 digits, then ``#`` and the event id: the same
event always has the same key (a redelivered stream record rewrites nothing), keys sort by time, and
``since`` is a key bound (``since_key``)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

KEPT_S = 30 * 86_400  # the log is kept 30 days (TTL) from each event's time
SOURCES = ("own", "aud")  # the two partitions an account reads, in cursor order
START, DONE = "", "-"
SORT_KEY = re.compile(r"^\d{15}#evt_[0-9A-HJKMNP-TV-Z]{26}$")


def own_partition(environment: str, owner_id: str) -> str:
    return f"own#{environment}#{owner_id}"


def audience_partition(environment: str, kind: str) -> str:
    return f"aud#{environment}#{kind}"


def partition_of(environment: str, owner_id: str, kind: str) -> str:
    """Where an event for a recipient is stored: its own partition, or (owner ``*``) its kind's audience's."""
    return audience_partition(environment, kind) if owner_id == "*" else own_partition(environment, owner_id)


def partitions_read(environment: str, owner_id: str, kind: str) -> dict[str, str]:
    """The partitions an account reads, by source name."""
    return {"own": own_partition(environment, owner_id), "aud": audience_partition(environment, kind)}


def millis(dt: datetime) -> int:
    """Milliseconds since the epoch, exactly (no float rounding of the fraction)."""
    return calendar.timegm(dt.utctimetuple()) * 1000 + dt.microsecond // 1000


def sort_key(event_ms: int, event_id: str) -> str:
    return f"{event_ms:015d}#{event_id}"


def since_key(since_ms: int) -> str:
    """The lowest sort key of events at or after ``since_ms``."""
    return f"{since_ms:015d}"


def valid_position(value: str) -> bool:
    return value in (START, DONE) or bool(SORT_KEY.fullmatch(value))


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored event as the read sees it: its sort key and its envelope (JSON)."""

    sk: str
    body: str


def merge(
    fetched: Mapping[str, Sequence[Entry]], positions: Mapping[str, str], limit: int
) -> tuple[list[Entry], dict[str, str]]:
    """One page from the sources' newest-first fetches (each up to ``limit + 1`` entries below its position, so
    a source whose every fetched entry is taken has no more) and the positions after it.

    The page is the ``limit`` newest entries of all sources; a source's new position is the key of its last
    entry taken, ``"-"`` when all it had was taken, unchanged when none was taken (the next page reads it
    again from where it was)."""
    pool = sorted(
        ((e, name) for name, entries in fetched.items() for e in entries), key=lambda p: (p[0].sk, p[1]), reverse=True
    )
    page = pool[:limit]
    after = dict(positions)
    for name, entries in fetched.items():
        taken = [e for e, src in page if src == name]
        if positions.get(name) == DONE or len(taken) == len(entries):
            after[name] = DONE
        elif taken:
            after[name] = taken[-1].sk
    return [e for e, _ in page], after


def finished(positions: Mapping[str, str]) -> bool:
    return all(positions.get(name) == DONE for name in SOURCES)
