"""The local runtime in a subprocess, reached over real HTTP.

``runtime`` (session) is the system as ``make dev`` runs it. ``runtime_factory`` starts more, with extra
``python -m intentbid_local.run`` arguments or environment (e.g. fake workers). Each runtime writes its state
(URL, moto URL, bootstrap admin key) to a 0600 JSON file in a tmp dir; its output goes to a log file there,
whose tail is shown when a runtime fails to start.
"""

from __future__ import annotations

import json
import json as _json  # ``request(json=...)`` shadows the module name
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

E2E_DIR = Path(__file__).resolve().parent
START_TIMEOUT_S = 60
SESSION_ENV = {"INTENTBID_AUTH_FAILURES_PER_MINUTE": os.environ.get("INTENTBID_AUTH_FAILURES_PER_MINUTE", "0")}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("e2e"))


class Runtime:
    """A runtime subprocess. (A plain class, not a dataclass: the browser tests load this file by path, without
    a ``sys.modules`` entry, which dataclasses need.)"""

    def __init__(
        self,
        url: str,
        moto_url: str,
        admin_key: str | None,
        proc: subprocess.Popen[bytes],
        log_path: Path,
        state: dict[str, Any],
    ) -> None:
        self.url = url
        self.moto_url = moto_url
        self.admin_key = admin_key
        self.proc = proc
        self.log_path = log_path
        self.state = state

    def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        timeout: float = 30,
    ) -> tuple[int, Message, Any]:
        """(status, headers, body): the body is parsed when it is JSON (problem+json too), else bytes."""
        data = body
        hdrs = {"Accept": "application/json", **(headers or {})}
        if json is not None:
            data = _json.dumps(json).encode()
            hdrs.setdefault("Content-Type", "application/json")
        if key is not None:
            hdrs["Authorization"] = f"Bearer {key}"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, resp_headers, raw = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as exc:
            status, resp_headers, raw = exc.code, exc.headers, exc.read()
        ctype = resp_headers.get("Content-Type") or ""
        parsed: Any = raw
        if raw and "json" in ctype:
            parsed = _json.loads(raw)
        return status, resp_headers, parsed

    def aws(self, service: str) -> Any:
        """A boto3 client on this runtime's moto (explicit endpoint and credentials; the env is untouched)."""
        import boto3

        return boto3.session.Session().client(
            service,
            endpoint_url=self.moto_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, sig: int = signal.SIGINT, timeout: float = 15) -> int:
        """Signal the runtime and wait; kill it if it does not stop in time. Returns its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return int(self.proc.returncode)


def start_runtime(workdir: Path, *args: str, env: dict[str, str] | None = None) -> Runtime:
    workdir.mkdir(parents=True, exist_ok=True)
    state_file, log_path = workdir / "runtime.json", workdir / "runtime.log"
    state_file.unlink(missing_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "intentbid_local.run",
        "--port",
        "0",
        "--quiet",
        "--state-file",
        str(state_file),
        *args,
    ]
    child_env = {**os.environ, "PYTHONUNBUFFERED": "1", "TZ": "UTC", **(env or {})}
    child_env.pop("AWS_ENDPOINT_URL", None)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=child_env, cwd=workdir)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the runtime exited with {proc.returncode}:\n{log_path.read_text()[-4000:]}")
        if state_file.exists():
            state = json.loads(state_file.read_text())
            rt = Runtime(state["url"], state["moto_url"], state.get("admin_key"), proc, log_path, state)
            if _answers(rt.url):
                return rt
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"the runtime did not start in {START_TIMEOUT_S}s:\n{log_path.read_text()[-4000:]}")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/v1/health", timeout=2) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="session")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """The local runtime as ``make dev`` runs it (one per test session and xdist worker). Self-contained:
    the browser tests load this fixture by file path.

    One difference: the authorizer's per-source-IP shedding of bad keys is off. Every test request comes from
    127.0.0.1 into one authorizer instance, and the suites send bad keys on purpose (401 tests, schemathesis'
    auth checks), which would lock every later request out for the rest of the minute. Test shedding with
    ``runtime_factory(env={"INTENTBID_AUTH_FAILURES_PER_MINUTE": "3"})``."""
    rt = start_runtime(tmp_path_factory.mktemp("runtime"), env=SESSION_ENV)
    yield rt
    rt.stop()


@pytest.fixture(scope="session")
def runtime_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Runtime]]:
    """Start more runtimes: ``runtime_factory("--visibility-timeout", "1", env={...})``; stopped at the end."""
    started: list[Runtime] = []

    def factory(*args: str, env: dict[str, str] | None = None) -> Runtime:
        rt = start_runtime(tmp_path_factory.mktemp("runtime"), *args, env=env)
        started.append(rt)
        return rt

    yield factory
    for rt in started:
        rt.stop()
