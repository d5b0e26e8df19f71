"""Webhook deliveries on DynamoDB: one item per (event, endpoint), every attempt appended to it.

A successful delivery costs one write here (:meth:`DynamoDeliveryStore.record_attempt`: an upsert that appends
the attempt and counts it); a failed one a second (:meth:`schedule`: the next attempt's time, or ``dead``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pynamodb.expressions.update import Action

from intentbid.store import paging
from intentbid.store.models.deliveries import DeliveryModel

KEPT_S = 30 * 86_400  # deliveries are kept 30 days (TTL)
MAX_ATTEMPTS_KEPT = 50  # past this, attempts are counted but no longer appended (a busy manual retrier)


class DynamoDeliveryStore:
    def get_delivery(self, webhook_id: str, delivery_id: str) -> DeliveryModel | None:
        try:
            return DeliveryModel.get(webhook_id, delivery_id, consistent_read=True)
        except DeliveryModel.DoesNotExist:
            return None

    def deliveries_of(
        self, webhook_id: str, *, limit: int, cursor: str | None, status: str | None = None
    ) -> tuple[list[DeliveryModel], str | None]:
        """Newest first; ``status`` filters."""
        items: list[DeliveryModel]
        items, nxt = paging.page(
            lambda start: DeliveryModel.query(
                webhook_id,
                DeliveryModel.id.startswith("dlv_"),
                consistent_read=True,
                scan_index_forward=False,
                last_evaluated_key=start,
                page_size=limit,
            ),
            cursor,
            {"webhook_id", "id"},
            limit,
            keep=lambda d: status is None or d.status == status,
        )
        return list(items), nxt

    def deliveries_between(self, webhook_id: str, since_id: str, until_id: str) -> list[DeliveryModel]:
        """Every delivery whose id (event time first) lies in [since_id, until_id]."""
        return list(DeliveryModel.query(webhook_id, DeliveryModel.id.between(since_id, until_id), consistent_read=True))

    def _static(self, fields: Mapping[str, Any], at: datetime) -> list[Action]:
        m = DeliveryModel
        return [
            m.owner_id.set(fields["owner_id"]),
            m.environment.set(fields["environment"]),
            m.event_id.set(fields["event_id"]),
            m.event_type.set(fields["event_type"]),
            m.event_created_at.set(fields["event_created_at"]),
            m.body.set(fields["body"]),
            *([m.correlation_id.set(fields["correlation_id"])] if fields.get("correlation_id") else []),
            m.updated_at.set(at),
            m.expire_at.set(int(at.timestamp()) + KEPT_S),
        ]

    def record_attempt(
        self,
        fields: Mapping[str, Any],
        attempt: Mapping[str, Any],
        status: str,
        next_attempt_at: datetime | None,
        at: datetime,
    ) -> int:
        """Append one attempt (creating the item on the first) with the delivery's new status; the number of
        attempts made so far, this one included."""
        m = DeliveryModel
        item = DeliveryModel(fields["webhook_id"], fields["delivery_id"])
        actions = [
            *self._static(fields, at),
            m.status.set(status),
            m.attempt_count.add(1),
            m.next_attempt_at.set(next_attempt_at) if next_attempt_at else m.next_attempt_at.remove(),
        ]
        kept = fields.get("attempts_kept")
        if kept is None or int(kept) < MAX_ATTEMPTS_KEPT:
            actions.append(m.attempts.set((m.attempts | []).append([dict(attempt)])))
        item.update(actions=actions)
        return int(item.attempt_count)

    def set_status(self, webhook_id: str, delivery_id: str, status: str, next_attempt_at: datetime | None) -> None:
        m = DeliveryModel
        DeliveryModel(webhook_id, delivery_id).update(
            actions=[
                m.status.set(status),
                m.next_attempt_at.set(next_attempt_at) if next_attempt_at else m.next_attempt_at.remove(),
            ],
            condition=m.id.exists(),
        )

    def put_pending(self, fields: Mapping[str, Any], at: datetime) -> None:
        """The delivery is queued again (a test, a retry, a recovery): ``pending`` until its attempt."""
        m = DeliveryModel
        item = DeliveryModel(fields["webhook_id"], fields["delivery_id"])
        item.update(actions=[*self._static(fields, at), m.status.set("pending"), m.next_attempt_at.set(at)])


_deliveries: DynamoDeliveryStore | None = None


def delivery_store() -> DynamoDeliveryStore:
    global _deliveries
    if _deliveries is None:
        _deliveries = DynamoDeliveryStore()
    return _deliveries
