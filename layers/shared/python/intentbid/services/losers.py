"""The award's sweep: every offer of an awarded RFO ends ``lost`` in storage, each with one ``offer.lost`` event.

The award's transaction marks as many losers as it holds and writes ``rfo.losers_pending`` (from the first
offer: an offer submitted while the award was decided is swept too). The outbox dispatcher runs one batch per
such event: the next active losers past the event's ``after`` go active -> lost in one transaction with their
events and, when more may remain, the next ``rfo.losers_pending`` — so each invocation is bounded, and a crash
or redelivery resumes from the last committed batch. A loser's status change and its event are one conditional
write (``status = active``), so a redelivered or duplicated batch never writes an event twice: it fails, and
the batch is decided again on what is still active. An awarded RFO is final (no reopen), so nothing can undo
the award under the sweep.
"""

from __future__ import annotations

from typing import Any

from intentbid import observability as obs
from intentbid.domain import clock
from intentbid.domain.lifecycle import AWARDED
from intentbid.services import retry_on_conflict
from intentbid.store.port import ConditionFailed, TransactionConflict, store

# A transaction holds 100 items: the RFO's check, the continuation, then a loser and its event per pair.
BATCH = (100 - 2) // 2


@retry_on_conflict(attempts=6)
def sweep(data: dict[str, Any]) -> int:
    """One batch for a ``rfo.losers_pending`` event's data; the number of offers marked lost."""
    rfo_id, winner_id, after = str(data["rfo_id"]), str(data["awarded_offer_id"]), data.get("after")
    rfo = store().get_rfo(rfo_id)
    if rfo is None or rfo.status != AWARDED or rfo.awarded_offer_id != winner_id:
        obs.logger.warning("losers sweep for an RFO not awarded to that offer", extra={"rfo_id": rfo_id})
        return 0
    found = store().active_losers(rfo_id, winner_id, after, BATCH + 1)
    batch, more = found[:BATCH], len(found) > BATCH
    if not batch:
        return 0
    try:
        store().mark_lost(rfo, batch, batch[-1].id if more else None, clock.now())
    except ConditionFailed:
        raise TransactionConflict() from None  # another delivery marked some of them: decide again
    obs.count("OffersMarkedLost", len(batch))
    return len(batch)
