"""``python -m migrations {status,migrate,up,down,check} [--to N] (--stage S | --local [STATE])``

- ``status``: every migration and where the ledger has it;
- ``migrate [--to N]``: bring the data to version N (default: the latest), applying or reverting;
- ``up [--to N]``: only apply (refused if N is below an applied version); an applied version is a no-op;
- ``down --to N``: only revert the applied ones above N (refused when their data changed since);
- ``check``: exit 1 when a migration the code requires (``REQUIRED_VERSION``) is pending (the deploy must not
  touch the stack) or when the ledger
  knows migrations this code does not (the data is newer than the code).

``--stage S`` works on the deployed stage's tables (``intentbid-S-``; the ambient AWS credentials); ``--local``
on a running ``make dev`` (its state file, default ``.local/runtime.json``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import socket
import sys
from pathlib import Path


def _point_at(args: argparse.Namespace) -> None:
    from intentbid.store.base import bind

    if args.stage:
        bind(f"intentbid-{args.stage}-")
        return
    state = json.loads(Path(args.local).read_text())
    from intentbid_local import environment

    environment.apply_base(state["moto_url"])
    bind(os.environ.get("TABLE_PREFIX") or None)


def _check() -> int:
    """Exit status of ``check``: 0 when the deploy may touch the stack."""
    from intentbid.store import migrations as ledger_store
    from migrations import runner

    tables = ledger_store.stage_tables()
    if tables == "new":
        print("a new stage (no tables yet): its migrations run after its first deploy")
        return 0
    if tables == "no_ledger":
        if ledger_store.REQUIRED_VERSION == 0:
            print("no migration ledger yet: it comes with this deploy, and the migrations after it")
            return 0
        print(
            "this stage has data but no migration ledger, and this code requires migrations up to "
            f"m{ledger_store.REQUIRED_VERSION:04d}: first deploy the release that adds the ledger (and "
            "still tolerates them pending), let its post-deploy step migrate, then deploy this one"
        )
        return 1
    pre = runner.required_pending()
    if pre:
        names = ", ".join(f"m{m.version:04d}" for m in pre)
        print(f"pending migrations the code requires before it deploys: {names} (run: make migrate)")
        return 1
    print("no migration must run before the deploy")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m migrations", description=__doc__.split("\n\n")[0])
    p.add_argument("command", choices=("status", "migrate", "up", "down", "check"))
    p.add_argument("--to", type=int, help="the version to bring the data to")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--stage", help="a deployed stage (dev, staging, prod)")
    where.add_argument("--local", nargs="?", const=".local/runtime.json", help="a running make dev (its state file)")
    p.add_argument("--by", default=f"{getpass.getuser()}@{socket.gethostname()}", help="recorded in the ledger")
    p.add_argument("--page-size", type=int, default=100)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    _point_at(args)

    from migrations import runner

    try:
        if args.command == "status":
            for s in runner.states():
                e = s.entry
                extra = (
                    f" by {e.by} at {(e.finished_at or e.started_at):%Y-%m-%dT%H:%M:%SZ}, {e.items} items" if e else ""
                )
                print(f"m{s.migration.version:04d} {s.migration.name:<30} {s.status}{extra}")
            return 0
        if args.command == "check":
            return _check()
        if args.command == "down" and args.to is None:
            p.error("down needs --to N (0 reverts every migration)")
        only = args.command if args.command in ("up", "down") else None
        report = runner.run(args.to, by=args.by, page_size=args.page_size, only=only)
    except runner.MigrationRefused as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    if report.nothing_to_do:
        print("nothing to do: the data is at the requested version")
    for step in report.steps:
        print(f"m{step.version:04d} {step.name}: {step.direction}, {step.items} items in {step.pages} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
