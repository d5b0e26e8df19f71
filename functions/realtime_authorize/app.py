"""WebSocket ``$connect`` REQUEST authorizer: the ``ticket`` query parameter, consumed once -> an Allow policy
with the principal it binds as context; unknown, used or expired -> ``Unauthorized`` (API Gateway: 401)."""

from __future__ import annotations

from typing import Any

from intentbid import config
from intentbid.observability import logger
from intentbid.services import realtime

config.cold_start()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ticket = (event.get("queryStringParameters") or {}).get("ticket")
    bound = realtime.authorize(ticket)
    if bound is None:
        logger.info("realtime ticket refused", extra={"decision": "unauthenticated"})
        raise Exception("Unauthorized")
    return {
        "principalId": bound.owner_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}],
        },
        "context": {
            "owner_kind": bound.owner_kind,
            "owner_id": bound.owner_id,
            "environment": bound.environment,
            "key_id": bound.key_id,
        },
    }
