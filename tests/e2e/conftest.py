"""The local runtime in a subprocess, reached over real HTTP.

``runtime`` (session) is the system as ``make dev`` runs it. ``runtime_factory`` starts more, with extra
``python -m intentbid_local.run`` arguments or environment (e.g. fake workers). Each runtime is started by the
kit's launcher (``intentbid_local.launcher``: state file and log in a tmp dir, the log's tail shown when a
runtime fails to start) and reached with the kit's HTTP client (``intentbid_local.http_client``).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from intentbid_local import http_client, launcher

E2E_DIR = Path(__file__).resolve().parent
START_TIMEOUT_S = 60
SESSION_ENV = {"INTENTBID_AUTH_FAILURES_PER_MINUTE": os.environ.get("INTENTBID_AUTH_FAILURES_PER_MINUTE", "0")}


# Every e2e item is in group "e2e"; a module on its own runtime (runtime_factory) adds a group of its own, so
# xdist's loadgroup may run it on the other worker beside the session runtime's modules (the names join:
# "e2e_load").
@pytest.hookimpl(tryfirst=True)  # before xdist reads the group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("e2e"))


class Runtime:
    """A runtime subprocess (the kit's launcher) and the kit's HTTP client on it. (A plain class, not a dataclass:
    the browser tests load this file by path, without a ``sys.modules`` entry, which dataclasses need.)"""

    def __init__(self, process: launcher.LocalProcess) -> None:
        self.process = process
        self.url, self.state = process.url, process.state
        self.moto_url: str = process.state["moto_url"]
        self.admin_key: str | None = process.state.get("admin_key")
        self.proc, self.log_path = process.proc, process.log_path

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
        resp = http_client.request(self.url, method, path, json, timeout, key=key, headers=headers, body=body)
        return resp.status, resp.headers, resp.body

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
        return self.process.log()

    def stop(self, sig: int = signal.SIGINT, timeout: float = 15) -> int:
        """Signal the runtime and wait; kill it if it does not stop in time. Returns its exit status."""
        return self.process.stop(sig, timeout)


def start_runtime(workdir: Path, *args: str, env: dict[str, str] | None = None) -> Runtime:
    try:
        return Runtime(launcher.start(workdir, *args, env=env, timeout_s=START_TIMEOUT_S))
    except launcher.LaunchError as exc:
        pytest.fail(str(exc))


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


# Every runtime the factory started, in order. A live runtime is not idle: its pollers read moto's queues and
# streams several times a second, so runtimes left running until the session ends slowed every later test.
_STARTED: list[Runtime] = []


@pytest.fixture(scope="session")
def runtime_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Runtime]]:
    """Start more runtimes: ``runtime_factory("--visibility-timeout", "1", env={...})``. An e2e module's are
    stopped when the module ends (``_stop_the_module_s_runtimes``); the rest (the browser tests' session
    runtime) at the end of the session."""

    def factory(*args: str, env: dict[str, str] | None = None) -> Runtime:
        rt = start_runtime(tmp_path_factory.mktemp("runtime"), *args, env=env)
        _STARTED.append(rt)
        return rt

    yield factory
    for rt in _STARTED:
        rt.stop()


@pytest.fixture(scope="module", autouse=True)
def _stop_the_module_s_runtimes() -> Iterator[None]:
    """Autouse, so set up before (and torn down after) every fixture of the module that holds a runtime."""
    before = len(_STARTED)
    yield
    for rt in _STARTED[before:]:
        rt.stop()
