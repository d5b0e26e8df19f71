"""``make listen`` against a running runtime: it registers itself with a vendor's key, prints a verified
``rfo.created`` for an RFO a buyer posts, answers 400 to a delivery signed with another secret, and deletes its
endpoint on exit."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from intentbid_local import http_client
from intentbid_local.testdata import rfo_body

ROOT = Path(__file__).resolve().parents[2]


def register(rt: Any, kind: str, name: str) -> dict[str, Any]:
    status, _, body = rt.request("POST", f"/v1/{kind}s/register", {"name": name, "email": f"{name}@listen.example"})
    assert status == 201, body
    return {"id": body[kind]["id"], "key": body["api_key"]}


class Lines:
    """The listener's stdout, line by line, read on a thread (so a wait has a deadline)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.seen: list[str] = []
        self._q: queue.Queue[str] = queue.Queue()
        assert proc.stdout is not None
        out = proc.stdout
        threading.Thread(target=lambda: [self._q.put(line) for line in out], daemon=True).start()

    def until(self, needle: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            for line in self.seen:
                if needle in line:
                    return line
            try:
                self.seen.append(self._q.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f"{needle!r} not printed; got {self.seen}") from None


def test_make_listen_registers_verifies_prints_and_cleans_up(runtime: Any) -> None:
    vendor, buyer = register(runtime, "vendor", "listener"), register(runtime, "buyer", "listenbuyer")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "intentbid_local.listen", "--url", runtime.url, "--key", vendor["key"], "--port", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    try:
        out = Lines(proc)
        registered = out.until("Registered ")
        endpoint_id = registered.split()[1]
        listening = out.until("Listening on ").split()[2]
        status, _, hooks = runtime.request("GET", "/v1/webhooks", key=vendor["key"])
        assert status == 200 and [h["url"] for h in hooks["data"]] == [listening], hooks

        status, _, rfo = runtime.request("POST", "/v1/rfos", rfo_body(), key=buyer["key"])
        assert status == 201, rfo
        line = out.until(f"rfo {rfo['id']}")
        assert "  verified  rfo.created  evt_" in line, line

        # a delivery signed with another secret is refused (400) and printed as FAILED
        forged = http_client.request(
            listening.rsplit("/", 1)[0],
            "POST",
            "/hooks",
            body=b'{"type": "rfo.created"}',
            headers={
                "webhook-id": "msg_forged",
                "webhook-timestamp": str(int(time.time())),
                "webhook-signature": "v1,AAAA",
            },
        )
        assert forged.status == 400
        assert "FAILED    msg_forged" in out.until("msg_forged")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    out.until(" failed")
    status, _, hooks = runtime.request("GET", "/v1/webhooks", key=vendor["key"])
    assert status == 200 and hooks["data"] == [], hooks  # deleted on exit
    assert endpoint_id.startswith("whk_")
