"""WebSocket ``$disconnect``: forget the connection."""

from __future__ import annotations

from typing import Any

from intentbid import config
from intentbid.services import realtime

config.cold_start()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    realtime.disconnect(str((event.get("requestContext") or {})["connectionId"]))
    return {"statusCode": 200}
