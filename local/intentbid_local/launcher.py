"""The local runtime (``python -m intentbid_local.run``) in a subprocess on a free port, for e2e tests and the
load bench: it writes its state (URL, moto URL, bootstrap admin key) to a 0600 JSON file in ``workdir``, its
output to ``workdir/runtime.log``; :func:`start` returns once it answers ``/v1/health``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from intentbid_local.http_client import answers


class LaunchError(RuntimeError):
    """The runtime exited or did not answer in time (the message ends with its log's tail)."""


class LocalProcess:
    def __init__(self, proc: subprocess.Popen[bytes], log_path: Path, state: dict[str, Any]) -> None:
        self.proc, self.log_path, self.state = proc, log_path, state
        self.url: str = state["url"]

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


def start(workdir: Path, *args: str, env: dict[str, str] | None = None, timeout_s: float = 60) -> LocalProcess:
    """Start a runtime with extra ``run`` arguments and ``env`` added to this process's environment."""
    workdir.mkdir(parents=True, exist_ok=True)
    state_file, log_path = workdir / "runtime.json", workdir / "runtime.log"
    state_file.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "intentbid_local.run", "--port", "0", "--quiet", "--state-file", str(state_file)]
    child_env = {**os.environ, "PYTHONUNBUFFERED": "1", "TZ": "UTC", **(env or {})}
    child_env.pop("AWS_ENDPOINT_URL", None)
    with log_path.open("wb") as log:
        proc = subprocess.Popen([*cmd, *args], stdout=log, stderr=subprocess.STDOUT, env=child_env, cwd=workdir)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LaunchError(f"the runtime exited with {proc.returncode}:\n{log_path.read_text()[-4000:]}")
        if state_file.exists():
            state = json.loads(state_file.read_text())
            if answers(state["url"]):
                return LocalProcess(proc, log_path, state)
        time.sleep(0.1)
    proc.kill()
    proc.wait(5)
    raise LaunchError(f"the runtime did not start in {timeout_s:.0f}s:\n{log_path.read_text()[-4000:]}")
