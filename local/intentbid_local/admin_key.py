"""``python -m intentbid_local.admin_key --stage <stage>``: bootstrap an admin (ops) key on a stage's tables.

The first admin key of a deployed stage cannot come over HTTP; an operator with AWS credentials for the stage
runs this once (``intentbid.services.accounts.create_admin`` against ``intentbid-<stage>-*`` tables). The key
is printed to this terminal only, once; only its hash is stored. The local runtime makes its own at start.
"""

from __future__ import annotations

import argparse
import os
import sys

from intentbid_local.admin import create_bootstrap_admin


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m intentbid_local.admin_key",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--stage", required=True, help="dev | staging | prod (tables intentbid-<stage>-*)")
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
    created = create_bootstrap_admin()
    if created is None:
        return 1
    admin_id, api_key = created
    print(f"admin    {admin_id}\napi key  {api_key}\n(shown once: store it in your secrets manager now)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
