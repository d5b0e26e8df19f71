"""``python -m intentbid_local.listen`` (``make listen``): a webhook receiver on this machine, what a vendor runs
on day one against ``make dev``.

- ``--key ib_test_…`` (``KEY=… make listen``): registers itself as an endpoint of that key's account
  (``POST /v1/webhooks``, ``--events``, default every type) and deletes it on exit (``--keep`` keeps it);
- ``--secret whsec_…`` (``SECRET=… make listen``): an endpoint created elsewhere points at ``--port``/``--path``.

Every delivery is verified with the ``standardwebhooks`` library (the signature over ``id.timestamp.body`` and
the ±5 min timestamp tolerance) and printed: time, verified/FAILED, type, ``webhook-id``, a summary of
``data.object``, how long after the event it arrived, and ``retry`` when the ``webhook-id`` was seen before.
A verified delivery is answered 200, a failed one 400 (so the pipeline retries it). ``--count N`` exits after N
deliveries (tests). The runtime's URL: ``--url``, else ``.local/runtime.json`` (``make dev``'s), else
``http://127.0.0.1:8080``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from intentbid_local import http_client
from intentbid_local.webhook_receiver import Received, Receiver

DEFAULT_URL = "http://127.0.0.1:8080"
STATE_FILE = Path(".local/runtime.json")
SUMMARY_FIELDS = ("status", "title", "rfo_id", "unit_price", "currency", "url", "reason")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="make listen", description=__doc__.split("\n\n")[0] if __doc__ else None)
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--key", help="an API key with webhooks:manage: register this receiver as its endpoint")
    who.add_argument("--secret", help="the whsec_… secret of an endpoint created elsewhere that points here")
    p.add_argument("--url", help=f"the runtime (default: {STATE_FILE}'s url, else {DEFAULT_URL})")
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=9000, help="port (default 9000; 0: a free one)")
    p.add_argument("--path", default="/hooks", help="path (default /hooks)")
    p.add_argument("--events", default="*", help="with --key: comma-separated event types (default *: every one)")
    p.add_argument("--keep", action="store_true", help="with --key: keep the endpoint on exit")
    p.add_argument("--count", type=int, default=0, help="exit after this many deliveries (default 0: never)")
    return p.parse_args(argv)


def runtime_url(explicit: str | None) -> str:
    if explicit:
        return explicit.rstrip("/")
    try:
        return str(json.loads(STATE_FILE.read_text())["url"]).rstrip("/")
    except (OSError, ValueError, KeyError):
        return DEFAULT_URL


def summary(obj: Any) -> str:
    """``data.object`` in one line: its kind and id, then the fields a reader looks for first."""
    if not isinstance(obj, dict):
        return repr(obj)[:80]
    head = " ".join(str(obj[k]) for k in ("object", "id") if obj.get(k) is not None)
    rest = [f"{k}={json.dumps(obj[k]) if isinstance(obj[k], str) else obj[k]}" for k in SUMMARY_FIELDS if k in obj]
    return " ".join([head, *rest]).strip()


class Listener:
    """Verifies and prints every delivery; answers 200 (verified) or 400 (not)."""

    def __init__(self, secret: str, out: TextIO) -> None:
        self.verifier = Webhook(secret)
        self.out = out
        self.seen: set[str] = set()
        self.verified = self.failed = 0
        self._lock = threading.Lock()

    def __call__(self, got: Received) -> int:
        msg_id = got.headers.get("webhook-id", "?")
        stamp = datetime.now().strftime("%H:%M:%S")
        try:
            event = self.verifier.verify(got.body, got.headers)
        except (WebhookVerificationError, ValueError) as exc:
            with self._lock:
                self.failed += 1
                self.out.write(f"{stamp}  FAILED    {msg_id}  {got.path}  {exc}\n")
                self.out.flush()
            return 400
        after = ""
        created = event.get("created_at") if isinstance(event, dict) else None
        if isinstance(created, str):
            try:
                lag = time.time() - datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp()
                after = f"  (+{lag:.2f}s)"
            except ValueError:
                pass
        with self._lock:
            retry = "  retry" if msg_id in self.seen else ""
            self.seen.add(msg_id)
            self.verified += 1
            obj = (event.get("data") or {}).get("object") if isinstance(event, dict) else None
            self.out.write(f"{stamp}  verified  {event.get('type')}  {msg_id}  {summary(obj)}{after}{retry}\n")
            self.out.flush()
        return 200


def register(base: str, key: str, url: str, events: list[str]) -> tuple[str, str]:
    """(endpoint id, secret) of a new endpoint for ``url``."""
    resp = http_client.request(
        base, "POST", "/v1/webhooks", {"url": url, "events": events, "description": "make listen"}, key=key
    )
    if resp.status != 201 or not isinstance(resp.body, dict):
        detail = resp.body.get("detail") if isinstance(resp.body, dict) else resp.body
        raise SystemExit(f"could not register {url} at {base}: {resp.status} {detail}")
    return str(resp.body["webhook"]["id"]), str(resp.body["secret"])


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = parse_args(argv)
    base = runtime_url(args.url)
    done = threading.Event()
    listener: Listener | None = None

    def respond(got: Received) -> int:
        assert listener is not None
        status = listener(got)
        if args.count and listener.verified + listener.failed >= args.count:
            done.set()
        return status

    with Receiver(args.host, args.port, respond=respond) as rx:
        url = rx.url(args.path)
        endpoint_id = None
        if args.key:
            events = [e.strip() for e in args.events.split(",") if e.strip()]
            endpoint_id, secret = register(base, args.key, url, events)
            fate = f"kept on exit; its secret: {secret}" if args.keep else "deleted on exit"
            out.write(f"Registered {endpoint_id} at {base} for {', '.join(events)} ({fate})\n")
        else:
            secret = args.secret
        listener = Listener(secret, out)
        out.write(f"Listening on {url}  (verifying with standardwebhooks; Ctrl-C to stop)\n")
        out.flush()
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        try:
            done.wait()
        except KeyboardInterrupt:
            pass
        finally:
            if endpoint_id and not args.keep:
                try:
                    http_client.request(base, "DELETE", f"/v1/webhooks/{endpoint_id}", key=args.key)
                except OSError:
                    out.write(f"could not delete {endpoint_id}: the runtime does not answer\n")
            out.write(f"{listener.verified} verified, {listener.failed} failed\n")
            out.flush()
    return 0 if listener.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
