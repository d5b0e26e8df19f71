"""The webhook endpoints port on DynamoDB (:class:`intentbid.store.port.WebhookStore`).

Every change is one transaction with its audit entry (webhook changes announce no outbox event: API.md's
catalog has none for them). Writes are guarded on the item still existing, not deleted and - for any change
after a read - holding the sealed secret it was read with, so a patch never resurrects a deleted endpoint and
two rotations never both win."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from intentbid.store import paging
from intentbid.store.models.webhooks import WebhookModel
from intentbid.store.port import Change, WebhookEndpoint
from intentbid.store.tx import transaction

PREFIX = "whk_"


def _model(e: WebhookEndpoint) -> WebhookModel:
    return cast(WebhookModel, e)


def _guard(e: WebhookEndpoint) -> Condition:
    guard = WebhookModel.id.exists() & (WebhookModel.status != "deleted")
    if e.secret_sealed is None:
        return guard & WebhookModel.secret_sealed.does_not_exist()
    return guard & (WebhookModel.secret_sealed == e.secret_sealed)


class DynamoWebhookStore:
    def get_webhook(self, owner_id: str, webhook_id: str) -> WebhookEndpoint | None:
        try:
            return WebhookModel.get(owner_id, webhook_id, consistent_read=True)
        except WebhookModel.DoesNotExist:
            return None

    def webhooks_of(
        self, owner_id: str, environment: str, *, limit: int, cursor: str | None
    ) -> tuple[list[WebhookEndpoint], str | None]:
        items: list[WebhookModel]
        items, nxt = paging.page(
            lambda start: WebhookModel.query(
                owner_id,
                WebhookModel.id.startswith(PREFIX),
                consistent_read=True,
                last_evaluated_key=start,
                page_size=limit,
            ),
            cursor,
            {"owner_id", "id"},
            limit,
            keep=lambda w: w.environment == environment and w.status != "deleted",
        )
        return list(items), nxt

    def count_webhooks(self, owner_id: str, environment: str) -> int:
        return sum(
            1
            for w in WebhookModel.query(owner_id, WebhookModel.id.startswith(PREFIX), consistent_read=True)
            if w.environment == environment and w.status != "deleted"
        )

    def create_webhook(self, fields: Mapping[str, Any], change: Change) -> WebhookEndpoint:
        attrs = dict(fields)
        item = WebhookModel(attrs.pop("owner_id"), attrs.pop("id"), **attrs)
        with transaction(change) as tx:
            tx.save(item, condition=WebhookModel.id.does_not_exist())
        return item

    def update_webhook(self, endpoint: WebhookEndpoint, changes: Mapping[str, Any], change: Change) -> None:
        actions: list[Action] = [WebhookModel.updated_at.set(change.at)]
        for name, value in changes.items():
            attr = getattr(WebhookModel, name)
            actions.append(attr.remove() if value is None else attr.set(value))
        with transaction(change) as tx:
            tx.update(_model(endpoint), actions, condition=_guard(endpoint))

    def delete_webhook(self, endpoint: WebhookEndpoint, change: Change, expire_at: int) -> None:
        actions: list[Action] = [
            WebhookModel.status.set("deleted"),
            WebhookModel.deleted_at.set(change.at),
            WebhookModel.updated_at.set(change.at),
            WebhookModel.expire_at.set(expire_at),
            WebhookModel.secret_sealed.remove(),
            WebhookModel.previous_secret_sealed.remove(),
            WebhookModel.previous_secret_expires_at.remove(),
        ]
        with transaction(change) as tx:
            tx.update(_model(endpoint), actions, condition=_guard(endpoint))
