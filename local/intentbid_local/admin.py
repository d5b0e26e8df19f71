"""The bootstrap admin: the first ops key of a system.

``python -m intentbid_local.admin --stage <stage>`` (alias ``intentbid_local.admin_key``) makes the first admin
key of a deployed stage: it cannot come over HTTP, so an operator with AWS credentials for the stage runs this
once (``intentbid.services.accounts.create_admin`` against the ``intentbid-<stage>-*`` tables). The key is
printed to this terminal only, once; only its hash is stored. The local runtime makes its own at start.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import UTC, datetime

log = logging.getLogger("intentbid_local.admin")
ADMIN_NAME = "local-admin"


def create_bootstrap_admin(name: str = ADMIN_NAME) -> tuple[str, str] | None:
    """(admin account id, api key) from ``intentbid.services.accounts.create_admin``, or ``None`` (with a
    warning) while that service does not exist yet."""
    try:
        from intentbid.services.accounts import create_admin
    except ImportError as exc:
        log.warning("no bootstrap admin key: intentbid.services.accounts.create_admin is unavailable (%s)", exc)
        return None
    account, api_key = create_admin(name)
    account_id = account.get("id") if isinstance(account, dict) else getattr(account, "id", None)
    return str(account_id or ""), api_key


def admin_key_works(api_key: str) -> bool:
    """The key is stored (by its hash), active and an admin's: a saved local admin key may be reused."""
    from intentbid.domain.keys import hash_key
    from intentbid.store.key_lookup import find_by_hash

    key = find_by_hash(hash_key(api_key))
    if key is None or key.owner_kind != "admin" or key.status != "active" or key.revoked_at is not None:
        return False
    return key.expires_at is None or key.expires_at > datetime.now(UTC)  # a rotated key's grace ends


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m intentbid_local.admin",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--stage", required=True, help="dev | staging | prod (tables intentbid-<stage>-*)")
    p.add_argument("--name", default="ops", help="the admin account's name (default: ops)")
    p.add_argument(
        "--region",
        default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        help="AWS region (default: $AWS_REGION)",
    )
    p.add_argument("--endpoint-url", help="a DynamoDB-compatible endpoint (e.g. a moto server)")
    args = p.parse_args(argv)
    os.environ.update({"STAGE": args.stage, "TABLE_PREFIX": f"intentbid-{args.stage}-"})
    if args.region:
        os.environ.update({"AWS_REGION": args.region, "AWS_DEFAULT_REGION": args.region})
    if args.endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = args.endpoint_url
    from intentbid.store.base import bind

    bind()
    created = create_bootstrap_admin(args.name)
    if created is None:
        return 1
    admin_id, api_key = created
    print(f"admin    {admin_id}\napi key  {api_key}\n(shown once: store it in your secrets manager now)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
