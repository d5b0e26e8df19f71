"""``python -m intentbid_local.run`` (``make dev``): the whole system on 127.0.0.1 until Ctrl-C.

Prints the API, dashboard and docs URLs and the bootstrap admin key (to this terminal only; it is never
logged). ``--state-file`` writes the same facts as JSON (mode 0600) for tools and tests.
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
from pathlib import Path
from types import FrameType

from intentbid_local import console
from intentbid_local.environment import LOCAL_DEFAULTS
from intentbid_local.runtime import LocalRuntime, RuntimeInfo

DEFAULT_PORT = 8080


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
        "--extra-functions",
        type=Path,
        action="append",
        default=[],
        help="a folder of functions that overlays functions/ (tests: fake workers)",
    )
    p.add_argument("--visibility-timeout", type=int, help="override every queue's visibility timeout (s)")
    p.add_argument("--max-receive-count", type=int, help="override every queue's redrive maxReceiveCount")
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


def banner(info: RuntimeInfo, workers: list[str]) -> str:
    key = info.admin_key or "(none: intentbid.services.accounts.create_admin is not available yet)"
    return "\n".join(
        [
            "",
            f"  IntentBid local runtime is up ({info.startup_s:.2f}s)",
            f"  API        {info.url}/v1",
            f"  Dashboard  {info.dashboard_url}",
            f"  Docs       {info.docs_url}",
            f"  moto       {info.moto_url}",
            f"  Workers    {', '.join(workers) or '(none)'}",
            registration_limit_line(),
            f"  Admin key  {key}",
            "             (shown once; this moto's data lives only as long as this process)",
            "  Ctrl-C stops everything.",
            "",
        ]
    )


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
    runtime = LocalRuntime(args.extra_functions, args.visibility_timeout, args.max_receive_count)
    try:
        try:
            info = runtime.start(args.host, args.port, args.moto_port)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            print(f"port {args.port} is in use: choose another with --port or INTENTBID_PORT", file=sys.stderr)
            return 1
        if args.state_file:
            write_state(args.state_file, info)
        print(banner(info, runtime.workers), flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        logging.getLogger("intentbid_local.runtime").info("stopping")
        runtime.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
