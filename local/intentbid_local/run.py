"""``python -m intentbid_local.run`` (``make dev``): the whole system on 127.0.0.1 until Ctrl-C.

Prints the API, dashboard and docs URLs and the bootstrap admin key once the startup output has settled, as
the banner's last lines (never logged). ``--data-dir`` (``make dev``: ``.local``) keeps every table's items
across restarts and writes the admin key to ``<dir>/admin-key`` (0600); ``--reset`` (``make dev-reset``)
starts empty. ``--state-file`` writes the runtime's facts as JSON (mode 0600) for tools and tests.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from intentbid_local import console, faults, snapshot
from intentbid_local.environment import LOCAL_DEFAULTS
from intentbid_local.runtime import LocalRuntime, RuntimeInfo

DEFAULT_PORT = 8080
SAVE_EVERY_S = 10.0
SETTLE_QUIET_S = 0.3  # the banner waits for this much silence after startup ...
SETTLE_MAX_S = 3.0  # ... but no longer than this


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m intentbid_local.run", description=__doc__)
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("INTENTBID_PORT", DEFAULT_PORT)),
        help="API port (default $INTENTBID_PORT or 8080; 0 picks a free one)",
    )
    p.add_argument("--moto-port", type=int, default=0, help="moto port (default: a free one)")
    p.add_argument("--quiet", action="store_true", help="no per-request log lines")
    p.add_argument("--state-file", type=Path, help="write {url, moto_url, admin_key, ...} here as JSON")
    p.add_argument(
        "--data-dir",
        type=Path,
        help="keep the data across restarts in DIR/data.json, the admin key in DIR/admin-key "
        "(make dev: .local; without it nothing is kept)",
    )
    p.add_argument("--reset", action="store_true", help="with --data-dir: start empty (the old file is set aside)")
    p.add_argument(
        "--save-every",
        type=float,
        default=SAVE_EVERY_S,
        metavar="SECONDS",
        help=f"with --data-dir: also save this often while running, when changed (default {SAVE_EVERY_S:g}; 0: "
        "only on exit). A kill -9 loses at most this much",
    )
    p.add_argument(
        "--extra-functions",
        type=Path,
        action="append",
        default=[],
        help="a folder of functions that overlays functions/ (tests: fake workers)",
    )
    p.add_argument("--visibility-timeout", type=int, help="override every queue's visibility timeout (s)")
    p.add_argument("--max-receive-count", type=int, help="override every queue's redrive maxReceiveCount")
    p.add_argument(
        "--faults",
        default=os.environ.get(faults.ENV, ""),
        metavar="PLAN",
        help=f"inject faults, e.g. 'throttle=0.05,tx_conflict=0.05,gsi_lag_ms=200,seed=7' (default ${faults.ENV}; "
        "see intentbid_local.faults)",
    )
    return p.parse_args(argv)


def configure_logging(quiet: bool) -> None:
    """Our lines go to stderr through our own handler: Powertools filters every root-handler record whose
    logger name contains its service name ("intentbid"), which would swallow ``intentbid_local.*``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    ours = logging.getLogger("intentbid_local")
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)
    ours.propagate = False
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", stream=sys.stderr
    )
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    if quiet:
        for name in ("intentbid_local.gateway", "intentbid_local.pollers"):
            logging.getLogger(name).setLevel(logging.WARNING)


def write_state(path: Path, info: RuntimeInfo) -> None:
    state = {
        "url": info.url,
        "moto_url": info.moto_url,
        "admin_key": info.admin_key,
        "admin_id": info.admin_id,
        "pid": os.getpid(),
        "startup_s": round(info.startup_s, 3),
    }
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(state, f)
    tmp.replace(path)


def registration_limit_line() -> str:
    """The registration limit this runtime answers with, and why it is not AWS's (issue 11: the README said
    ``10/3600`` while ``make dev`` answered ``q=1000``, unexplained)."""
    from intentbid import config

    spec, default = str(config.settings().rate_limits.rate_limit_register), str(config.RateLimits().rate_limit_register)
    line = f"  Limits     registrations {spec} per source IP (quota/window_s)"
    if spec == LOCAL_DEFAULTS["INTENTBID_RATE_LIMIT_REGISTER"] != default:
        line += (
            f"\n             raised locally from the default {default}: every local client is 127.0.0.1,"
            "\n             so demos and tests register freely (INTENTBID_RATE_LIMIT_REGISTER changes it)"
        )
    return line


def shown(path: Path) -> str:
    """``path`` as the developer would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def data_lines(info: RuntimeInfo, data: snapshot.Store | None) -> list[str]:
    if data is None:
        return [
            "  Data       not kept: it lives only as long as this process",
            "             (make dev keeps it in .local/ with --data-dir)",
        ]
    where = shown(data.data_path)
    restored = "started empty" if info.restored is None else f"restored {info.restored} item(s)"
    every = f"every {data.save_every_s:g}s when changed and " if data.save_every_s > 0 else ""
    return [
        f"  Data       kept across restarts in {where} ({restored})",
        f"             saved {every}on Ctrl-C; make dev-reset starts empty",
    ]


def admin_lines(info: RuntimeInfo, data: snapshot.Store | None) -> list[str]:
    if not info.admin_key:
        return ["  Admin key  (none: intentbid.services.accounts.create_admin is not available yet)"]
    if data is None:
        return [
            f"  Admin key  {info.admin_key}   (shown once: it is not logged)",
            f"  Sign in    {info.dashboard_url} with it, or: curl -H 'Authorization: Bearer <key>' {info.url}/v1/me",
        ]
    key_file = shown(data.admin_key_path)
    return [
        f"  Admin key  {info.admin_key}",
        f"             also in {key_file} (mode 0600); the same key after a restart",
        f"  Sign in    {info.dashboard_url} with it, or call the API:",
        f'             curl -H "Authorization: Bearer $(cat {key_file})" {info.url}/v1/me',
    ]


RULE = "  " + "=" * 76


def banner(info: RuntimeInfo, workers: list[str], data: snapshot.Store | None = None) -> str:
    """The start banner: where everything is, and last, framed, the admin key and how to use it."""
    return "\n".join(
        [
            "",
            RULE,
            f"  IntentBid local runtime is up ({info.startup_s:.2f}s)",
            f"  API        {info.url}/v1",
            f"  Dashboard  {info.dashboard_url}",
            f"  Docs       {info.docs_url}",
            f"  moto       {info.moto_url}",
            f"  Workers    {', '.join(workers) or '(none)'}",
            *([f"  Faults     {info.faults} (intentbid_local.faults)"] if info.faults else []),
            registration_limit_line(),
            *data_lines(info, data),
            "  Ctrl-C stops everything.",
            RULE,
            *admin_lines(info, data),
            RULE,
            "",
        ]
    )


def settle(
    last_line_at: Callable[[], float],
    quiet_s: float = SETTLE_QUIET_S,
    max_s: float = SETTLE_MAX_S,
    clock: Callable[[], float] = time.monotonic,
    wait: Callable[[float], object] = time.sleep,
) -> bool:
    """Wait until nothing was written for ``quiet_s`` (startup logs, workers catching up on a restore), at
    most ``max_s``. True when it went quiet."""
    deadline = clock() + max_s
    while True:
        now = clock()
        quiet_for = now - last_line_at()
        if quiet_for >= quiet_s:
            return True
        if now >= deadline:
            return False
        wait(max(0.02, min(quiet_s - quiet_for, deadline - now)))  # at least a tick: no busy loop


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console.install()  # handlers log from many threads: one write per line (see intentbid_local.console)
    configure_logging(args.quiet)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            os._exit(1)  # a second Ctrl-C: give up on a clean stop
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        plan = faults.FaultPlan.parse(args.faults)
    except faults.PlanError as exc:
        print(exc, file=sys.stderr)
        return 2
    data = snapshot.Store(args.data_dir, args.save_every) if args.data_dir else None
    if data is not None and args.reset:
        data.discard()
    runtime = LocalRuntime(
        args.extra_functions, args.visibility_timeout, args.max_receive_count, data=data, fault_plan=plan
    )
    try:
        try:
            info = runtime.start(args.host, args.port, args.moto_port)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            print(f"port {args.port} is in use: choose another with --port or INTENTBID_PORT", file=sys.stderr)
            return 1
        settle(console.last_line_at)
        print(banner(info, runtime.workers, data), flush=True)
        if args.state_file:  # after the banner: a tool that waits for this file finds the banner printed
            write_state(args.state_file, info)
        while not stop.wait(0.5):
            pass
    finally:
        logging.getLogger("intentbid_local.runtime").info("stopping")
        runtime.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
