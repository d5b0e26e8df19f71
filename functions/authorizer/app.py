"""Lambda REQUEST authorizer: Bearer API key -> IAM policy built from the route table."""

from __future__ import annotations

from typing import Any

from intentbid.auth import Unauthorized, authorize
from intentbid.observability import logger
from intentbid.store.key_lookup import find_by_hash


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        result = authorize(event, find_by_hash)
    except Unauthorized:
        logger.info("authorizer denied", extra={"decision": "unauthenticated"})
        raise
    ctx = result["context"]
    # An allowed request's principal is in the API's access-log line already; an allow is logged at DEBUG
    # (one access line per request, README "Cost per million"), a deny or a key problem at INFO.
    log = logger.info if ctx.get("deny_code") or ctx.get("auth_error") else logger.debug
    log(
        "authorizer decided",
        extra={
            "principal_kind": ctx.get("principal_kind"),
            "principal_id": ctx.get("principal_id"),
            "key_id": ctx.get("key_id"),
            "auth_error": ctx.get("auth_error"),
            "deny_code": ctx.get("deny_code"),
        },
    )
    return result
