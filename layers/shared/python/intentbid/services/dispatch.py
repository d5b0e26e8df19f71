"""Outbox dispatch: what happens to each event after its transaction committed."""

from __future__ import annotations

import json
from typing import Any

from intentbid import observability as obs


def dispatch(image: dict[str, Any]) -> str:
    """Handle one outbox event (a deserialised stream NEW_IMAGE). Idempotent on the event id."""
    event_type = str(image.get("type", ""))
    if not event_type:
        raise ValueError("outbox record without a type")
    obs.logger.info(
        "outbox event",
        extra={"event_id": image.get("id"), "event_type": event_type, "subject_id": image.get("subject_id")},
    )
    obs.count("OutboxEvents", event_type=event_type)
    if event_type in ("offer.submitted", "offer.revised"):
        from intentbid.services import antigaming

        data = json.loads(str(image.get("payload") or "{}"))
        antigaming.evaluate_rfo(str(data["rfo_id"]), str(data.get("vendor_id") or "") or None)
        if event_type == "offer.submitted" and data.get("offer_id") and data.get("vendor_id"):
            from intentbid.services import scores

            scores.stamp_vendor_name(str(data["rfo_id"]), str(data["offer_id"]), str(data["vendor_id"]))
    elif event_type == "rfo.losers_pending":
        from intentbid.services import losers

        losers.sweep(json.loads(str(image.get("payload") or "{}")))
    elif event_type == "rfo.ranking_pending":  # internal: the recompute of stored scores (services.scores)
        from intentbid.services import scores

        scores.recompute(json.loads(str(image.get("payload") or "{}")))
    from intentbid.services import fanout

    fanout.fan_out(image)  # webhook deliveries: catalog types only (never rfo.losers_pending / ranking_pending)
    return event_type
