"""``make dev`` keeps its data across a restart (issue 11, item 4), on the real process: ``python -m
intentbid_local.run --data-dir DIR`` as the Makefile runs it, stopped by SIGINT and by SIGTERM and started
again. Accounts, keys and RFOs come back; the admin key is the same one, printed last in the banner and kept
in ``DIR/admin-key`` (0600); an RFO left open expires at its deadline after the restore (the expiry schedule
died with the first moto and is re-armed); ``--reset`` (``make dev-reset``) starts empty."""

from __future__ import annotations

import json
import signal
import stat
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from intentbid_local.testdata import rfo_body
from intentbid_local.timefmt import rfc3339

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e"), pytest.mark.xdist_group("dev-data"), pytest.mark.slow]

RULE = "  " + "=" * 76
EXPIRES_IN_S = 8  # long enough that the first runtime cannot expire it before it stops


def register(rt: Any, kind: str) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    status, _, body = rt.request(
        "POST", f"/v1/{kind}s/register", json={"name": f"keep {kind} {tag}", "email": f"{kind}-{tag}@e2e.example"}
    )
    assert status == 201, body
    return dict(body)


def post_rfo(rt: Any, key: str, title: str, expires_at: datetime) -> dict[str, Any]:
    body = rfo_body(title=title, quantity=3, budget_max=90_000, expires_at=rfc3339(expires_at))
    status, _, rfo = rt.request("POST", "/v1/rfos", key=key, json=body)
    assert status == 201, rfo
    return dict(rfo)


def stored_status(rt: Any, rfo_id: str) -> str:
    item = rt.aws("dynamodb").get_item(TableName="intentbid-local-rfos", Key={"id": {"S": rfo_id}})["Item"]
    return str(item["status"]["S"])


def wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def banner_tail(log: str) -> list[str]:
    """The banner's last frame: the lines between its last two rules."""
    lines = log.splitlines()
    rules = [i for i, line in enumerate(lines) if line == RULE]
    assert len(rules) >= 3, log[-3000:]
    return lines[rules[-2] + 1 : rules[-1]]


def saved_rfo_status(data_dir: Path, rfo_id: str) -> str:
    doc = json.loads((data_dir / "data.json").read_text())
    (item,) = [it for it in doc["tables"]["rfos"] if it["id"]["S"] == rfo_id]
    return str(item["status"]["S"])


def saved_account_ids(data_dir: Path) -> set[str]:
    """The accounts in the saved file (read whole: the file is replaced atomically, never written in place)."""
    path = data_dir / "data.json"
    if not path.exists():
        return set()
    return {it["id"]["S"] for it in json.loads(path.read_text())["tables"]["accounts"]}


def test_make_dev_keeps_accounts_keys_and_rfos_across_a_restart_and_dev_reset_starts_empty(
    runtime_factory: Callable[..., Any], tmp_path: Path
) -> None:
    data_dir = tmp_path / ".local"

    # --- first run: an empty start, then a buyer, a vendor and two RFOs, one of them about to expire
    first = runtime_factory("--data-dir", str(data_dir))
    admin_key = first.admin_key
    assert admin_key
    key_file = data_dir / "admin-key"
    assert key_file.read_text() == admin_key + "\n"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    log = first.log()
    assert log.index("runtime up in") < log.index(RULE)  # the banner comes after the startup logs ...
    tail = banner_tail(log)
    assert tail[0].split() == ["Admin", "key", admin_key]  # ... and the key is its last, framed lines
    assert any(str(key_file) in line for line in tail)
    assert "make dev-reset starts empty" in log

    buyer, vendor = register(first, "buyer"), register(first, "vendor")
    lasting = post_rfo(first, buyer["api_key"], "kept across a restart", datetime.now(UTC) + timedelta(days=2))
    soon = post_rfo(
        first, buyer["api_key"], "expires after the restart", datetime.now(UTC) + timedelta(seconds=EXPIRES_IN_S)
    )
    assert first.stop(signal.SIGINT) == 0, first.log()[-3000:]
    assert "data saved to" in first.log()
    assert stat.S_IMODE((data_dir / "data.json").stat().st_mode) == 0o600
    assert saved_rfo_status(data_dir, soon["id"]) == "OPEN"  # only a re-armed schedule can expire it now

    # --- second run: everything is back, the keys work, the same admin key, and the open RFO still expires
    second = runtime_factory("--data-dir", str(data_dir), "--save-every", "0")  # only the exit saves
    assert second.admin_key == admin_key
    assert key_file.read_text() == admin_key + "\n"
    log = second.log()
    assert "restored" in log and log.index("restored") < log.index(RULE)
    assert banner_tail(log)[0].split() == ["Admin", "key", admin_key]
    for key, kind in ((buyer["api_key"], "buyer"), (vendor["api_key"], "vendor"), (admin_key, "admin")):
        status, _, me = second.request("GET", "/v1/me", key=key)
        assert status == 200 and me["kind"] == kind, me
    status, _, rfo = second.request("GET", f"/v1/rfos/{lasting['id']}", key=buyer["api_key"])
    assert status == 200 and rfo["title"] == "kept across a restart" and rfo["status"] == "OPEN", rfo
    status, _, page = second.request("GET", "/v1/rfos?limit=10", key=buyer["api_key"])
    assert status == 200 and {lasting["id"], soon["id"]} <= {r["id"] for r in page["data"]}, page
    newer = post_rfo(second, buyer["api_key"], "written after the restore", datetime.now(UTC) + timedelta(days=1))
    deadline = datetime.fromisoformat(soon["expires_at"].replace("Z", "+00:00"))
    wait_s = max(0.0, (deadline - datetime.now(UTC)).total_seconds()) + 60
    assert wait_for(lambda: stored_status(second, soon["id"]) == "EXPIRED", wait_s), stored_status(second, soon["id"])
    assert datetime.now(UTC) >= deadline  # at its deadline, not before
    assert second.stop(signal.SIGTERM) == 0, second.log()[-3000:]  # SIGTERM saves too:
    assert saved_rfo_status(data_dir, newer["id"]) == "OPEN"
    assert saved_rfo_status(data_dir, soon["id"]) == "EXPIRED"

    # --- make dev-reset: empty, a new admin key, the old data set aside rather than deleted
    reset = runtime_factory("--data-dir", str(data_dir), "--reset", "--save-every", "0.5")
    assert reset.admin_key and reset.admin_key != admin_key
    assert key_file.read_text() == reset.admin_key + "\n"
    assert "started empty" in reset.log()
    for key in (buyer["api_key"], admin_key):
        status, _, problem = reset.request("GET", "/v1/me", key=key)
        assert status == 401, problem
    status, _, me = reset.request("GET", "/v1/me", key=reset.admin_key)
    assert status == 200 and me["kind"] == "admin"
    assert [p.name for p in data_dir.glob("data.json.before-reset-*")], sorted(data_dir.iterdir())

    # --- kill -9 loses at most the autosave interval: what was saved by then is a whole, readable file
    late = register(reset, "buyer")
    assert wait_for(lambda: late["buyer"]["id"] in saved_account_ids(data_dir), 30)
    reset.proc.kill()
    reset.proc.wait(10)
    assert late["buyer"]["id"] in saved_account_ids(data_dir)
    assert buyer["buyer"]["id"] not in saved_account_ids(data_dir)
