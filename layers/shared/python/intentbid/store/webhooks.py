"""The webhook endpoints port on DynamoDB (:class:`intentbid.store.port.WebhookStore`).

Every change is one transaction with its audit entry (webhook changes announce no outbox event: API.md's
catalog has none for them). Writes are guarded on the item still existing, not deleted and - for any change
after a read - holding the sealed secret it was read with, so a patch never resurrects a deleted endpoint and
two rotations never both win."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from intentbid.store import paging
from intentbid.store.models.webhooks import WebhookModel
from intentbid.store.port import Change, WebhookEndpoint
from intentbid.store.tx import transaction

PREFIX = "whk_"


def audience(environment: str, owner_kind: str) -> str:
    return f"{environment}#{owner_kind}"


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
        attrs.setdefault("audience", audience(str(attrs["environment"]), str(attrs["owner_kind"])))
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
            WebhookModel.audience.remove(),
            WebhookModel.secret_sealed.remove(),
            WebhookModel.previous_secret_sealed.remove(),
            WebhookModel.previous_secret_expires_at.remove(),
        ]
        with transaction(change) as tx:
            tx.update(_model(endpoint), actions, condition=_guard(endpoint))

    # --- the delivery pipeline's reads and writes ---------------------------------------------------------

    def endpoints_of(self, owner_id: str, environment: str) -> list[WebhookEndpoint]:
        """Every enabled endpoint of the owner in one environment (strongly consistent)."""
        return [
            w
            for w in WebhookModel.query(owner_id, WebhookModel.id.startswith(PREFIX), consistent_read=True)
            if w.environment == environment and w.status == "enabled"
        ]

    def endpoints_of_audience(self, environment: str, owner_kind: str) -> list[WebhookEndpoint]:
        """Every enabled endpoint of one environment and account kind (the index: eventually consistent)."""
        return [w for w in WebhookModel.by_audience.query(audience(environment, owner_kind)) if w.status == "enabled"]

    def set_failing_since(self, endpoint: WebhookEndpoint, since: datetime | None) -> None:
        """Start (``since``) or end (None) the endpoint's failing streak; no audit entry (the deliveries are the
        record). A deleted endpoint is left alone."""
        attr = WebhookModel.failing_since
        action = attr.remove() if since is None else attr.set(since)
        condition = WebhookModel.id.exists() & (WebhookModel.status != "deleted")
        if since is not None:
            condition &= attr.does_not_exist()  # the first failure of a streak names its start
        try:
            _model(endpoint).update(actions=[action], condition=condition)
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
