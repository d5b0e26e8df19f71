"""WebSocket ``$connect`` (after its authorizer consumed the ticket): the connection, under its principal."""

from __future__ import annotations

from typing import Any

from intentbid import config
from intentbid.observability import logger
from intentbid.services import realtime

config.cold_start()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ctx = event.get("requestContext") or {}
    bound = realtime.bound_of(ctx.get("authorizer") or {})
    if bound is None:  # only reachable without the authorizer in front: refuse
        return {"statusCode": 401}
    realtime.connect(str(ctx["connectionId"]), bound)
    logger.info("realtime connected", extra={"principal_kind": bound.owner_kind, "principal_id": bound.owner_id})
    return {"statusCode": 200}
