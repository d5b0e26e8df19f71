"""The event log on DynamoDB (:class:`EventLogModel`): one item per (event, audience partition).

A write is one conditional PutItem (the first write of an event to a partition wins: a redelivered stream record
is a failed condition, not a second entry, nor a re-render of its object). A page is one descending Query per
partition the account reads (:func:`intentbid.domain.event_log.partitions_read`), each bounded to
``limit + 1`` items, merged in :func:`intentbid.domain.event_log.merge`."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PutError

from intentbid.domain import event_log
from intentbid.domain.event_log import DONE, SOURCES, START, Entry
from intentbid.store import paging
from intentbid.store.models.event_log import EventLogModel


class DynamoEventLogStore:
    def put_once(self, partition: str, sk: str, event_id: str, event_type: str, body: str, expire_at: int) -> bool:
        """Log one event for one partition; False when it was logged already (a redelivery)."""
        item = EventLogModel(partition, sk, event_id=event_id, type=event_type, body=body, expire_at=expire_at)
        try:
            item.save(condition=EventLogModel.sk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _fetch(self, partition: str, position: str, n: int, event_type: str | None, since: str | None) -> list[Entry]:
        """Up to ``n`` entries of ``partition`` below ``position`` (all from the newest when START), newest
        first, of ``event_type`` only (if given), none older than ``since`` (a sort-key bound)."""
        m = EventLogModel
        if position == DONE or (position and since and since > position):
            return []
        if position and since:
            condition: Any = m.sk.between(since, position)  # inclusive: the position itself is dropped below
        elif position:
            condition = m.sk < position
        elif since:
            condition = m.sk >= since
        else:
            condition = None
        results = m.query(
            partition,
            condition,
            filter_condition=(m.type == event_type) if event_type else None,
            scan_index_forward=False,
            page_size=n + 1,
        )
        out: list[Entry] = []
        for item in results:
            if item.sk == position:
                continue
            out.append(Entry(item.sk, item.body))
            if len(out) >= n:
                break
        return out

    def page(
        self,
        partitions: dict[str, str],
        *,
        limit: int,
        cursor: str | None,
        event_type: str | None = None,
        since: str | None = None,
    ) -> tuple[list[str], str | None]:
        """The envelopes (JSON) of one page, newest first, and the next page's cursor (None: no more)."""
        positions = _positions(cursor)
        fetched = {
            name: self._fetch(partitions[name], positions[name], limit + 1, event_type, since) for name in SOURCES
        }
        entries, after = event_log.merge(fetched, positions, limit)
        nxt = None if event_log.finished(after) else paging.encode({k: {"S": after[k]} for k in SOURCES})
        return [e.body for e in entries], nxt


def _positions(cursor: str | None) -> dict[str, str]:
    """Each partition's position from a cursor (400 ``invalid_cursor`` unless it is one this listing wrote)."""
    if not cursor:
        return dict.fromkeys(SOURCES, START)
    raw = paging.decode(cursor, set(SOURCES))
    assert raw is not None
    positions = {k: str(raw[k]["S"]) for k in SOURCES}
    if not all(event_log.valid_position(v) for v in positions.values()) or event_log.finished(positions):
        raise paging.invalid_cursor()
    return positions


_events: DynamoEventLogStore | None = None


def event_log_store() -> DynamoEventLogStore:
    global _events
    if _events is None:
        _events = DynamoEventLogStore()
    return _events
