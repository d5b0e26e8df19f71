"""Outbox dispatch: what happens to each event after its transaction committed."""

from __future__ import annotations

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
    return event_type
