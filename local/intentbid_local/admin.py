"""The bootstrap admin: the first ops key of a fresh local system."""

from __future__ import annotations

import logging

log = logging.getLogger("intentbid_local.admin")
ADMIN_NAME = "local-admin"


def create_bootstrap_admin() -> tuple[str, str] | None:
    """(admin account id, api key) from ``intentbid.services.accounts.create_admin``, or ``None`` (with a
    warning) while that service does not exist yet."""
    try:
        from intentbid.services.accounts import create_admin
    except ImportError as exc:
        log.warning("no bootstrap admin key: intentbid.services.accounts.create_admin is unavailable (%s)", exc)
        return None
    account, api_key = create_admin(ADMIN_NAME)
    account_id = account.get("id") if isinstance(account, dict) else getattr(account, "id", None)
    return str(account_id or ""), api_key
