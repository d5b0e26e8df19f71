"""The whole system on one machine: moto (server mode), tables/queues/state machine, the bootstrap admin,
the local API Gateway and the event-source pollers. Used by ``run.py``, ``demo.py`` and tests.

The runtime sets this process's environment (``AWS_ENDPOINT_URL`` and friends) before any boto3 client
exists, exactly as Lambda's configuration would: run one runtime per process.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intentbid_local import environment, faults, snapshot
from intentbid_local.functions import FunctionLoader
from intentbid_local.gateway import AUTHORIZER, Gateway, GatewayServer
from intentbid_local.moto_server import MotoServer
from intentbid_local.pollers import Poller, SqsPoller, StreamPoller
from intentbid_local.resources import Resources, provision

log = logging.getLogger("intentbid_local.runtime")


@dataclass
class RuntimeInfo:
    url: str
    moto_url: str
    admin_key: str | None
    admin_id: str | None
    startup_s: float
    restored: int | None = None  # items restored from saved data (None: nothing was restored)
    faults: str = ""  # the fault plan injected (intentbid_local.faults), "" when none

    @property
    def dashboard_url(self) -> str:
        return self.url + "/"

    @property
    def docs_url(self) -> str:
        return self.url + "/docs"


class LocalRuntime:
    def __init__(
        self,
        extra_function_dirs: Iterable[Path] = (),
        visibility_timeout_s: int | None = None,
        max_receive_count: int | None = None,
        dashboard: Path | None = None,
        data: snapshot.Store | None = None,
        fault_plan: faults.FaultPlan | None = None,
    ) -> None:
        """``data``: keep the tables' items there across restarts (``make dev``: ``.local/``); ``fault_plan``: the
        faults to inject once provisioned (:mod:`intentbid_local.faults`)."""
        self._fault_plan = fault_plan
        self.loader = FunctionLoader(extra_function_dirs)
        self._visibility = visibility_timeout_s
        self._max_receive = max_receive_count
        self._dashboard = dashboard
        self.moto: MotoServer | None = None
        self.server: GatewayServer | None = None
        self.pollers: list[Poller] = []
        self.resources = Resources()
        self.info: RuntimeInfo | None = None
        self._session: Any = None
        self.data = data
        self._restored_count: int | None = None
        self._ddb: Any = None
        self._stream_starts: dict[str, tuple[str, dict[str, str]]] = {}  # table -> where its poller starts

    def start(self, host: str = "127.0.0.1", port: int = 0, moto_port: int = 0) -> RuntimeInfo:
        started = time.perf_counter()
        # Bind the API port first: a port in use fails fast, before moto starts.
        self.server = GatewayServer(Gateway(self.loader, self._dashboard), host, port)
        environment.apply_base(None)
        injector = faults.configure(self._fault_plan)
        self.moto = MotoServer("127.0.0.1", moto_port)
        moto_url = self.moto.start()
        environment.apply_base(moto_url)
        environment.apply(self.server.realtime_env())
        if self.data is not None:  # sealed webhook secrets must still open after a restart: a key file beside the data
            os.environ.setdefault(
                "INTENTBID_SECRETS_LOCAL_KEY_FILE", str(self.data.directory / environment.SECRETS_KEY_FILE)
            )
            environment.apply({})
        saved = self.data.load() if self.data is not None else None
        admin = self._provision(saved)
        self._preload()
        faults.activate()  # after provisioning and the bootstrap admin: they never see a fault
        self.server.start()
        self._start_pollers()
        self.info = RuntimeInfo(
            url=self.server.url,
            moto_url=moto_url,
            admin_key=admin[1] if admin else None,
            admin_id=admin[0] if admin else None,
            startup_s=time.perf_counter() - started,
            restored=self._restored_count,
            faults=injector.plan.describe() if injector else "",
        )
        if self.data is not None:
            self.data.write_admin_key(self.info.admin_key)
            self._snapshot_ddb()
            self.data.start_autosave(self.take_snapshot)
        log.info("runtime up in %.2fs at %s (moto %s)", self.info.startup_s, self.info.url, moto_url)
        return self.info

    def _provision(self, saved: snapshot.Snapshot | None = None) -> tuple[str, str] | None:
        import boto3

        from intentbid.store.base import bind
        from intentbid_local.admin import admin_key_works, create_bootstrap_admin

        assert self.moto is not None
        self.resources = provision(boto3.session.Session(), self.moto.url, self._visibility, self._max_receive)
        environment.apply(self.resources.env())
        bind()  # models imported before the environment was final are re-pointed
        self._stream_starts = {}
        self._restored_count = None
        if saved is None or self.data is None:
            migrate()  # empty tables: the ledger records every migration as applied (as a new stage's deploy does)
        if saved is not None and self.data is not None:
            try:
                self._restore(saved)
            except Exception as exc:  # e.g. an item the tables refuse: never fail the start over saved data
                try:
                    aside: Path | str = snapshot.set_aside(self.data.data_path, "unreadable")
                except OSError as move_exc:
                    aside = f"(could not be moved: {move_exc})"
                log.warning(
                    "saved data not restored (%s: %s). Starting empty; the file is kept at %s",
                    type(exc).__name__,
                    exc,
                    aside,
                )
                self.moto.reset()
                return self._provision(None)
            if saved.admin_id and saved.admin_key and admin_key_works(saved.admin_key):
                return saved.admin_id, saved.admin_key
            log.warning("the saved admin key no longer works (revoked?): a new bootstrap admin is created")
        return create_bootstrap_admin()

    def _restore(self, saved: snapshot.Snapshot) -> None:
        """Saved items back into the new tables, before the gateway serves; then what moto lost with the
        earlier process: the expiry executions (re-armed) and where each stream poller starts (after the
        restore's own writes, which are not new events)."""
        started = time.perf_counter()
        ddb = self._snapshot_ddb()
        written = snapshot.restore(ddb, saved, self.resources.tables, environment.TABLE_PREFIX)
        self._restored_count = sum(written.values())
        migrate()  # saved data may predate a migration (as a deployed stage's would before its post-deploy step)
        armed = snapshot.rearm_expiry(snapshot.open_rfo_ids(saved))
        streams = self._client("dynamodbstreams")
        for name in self.resources.tables:
            start = snapshot.stream_positions(ddb, streams, name)
            if start is not None:
                self._stream_starts[name] = start
        log.info(
            "restored %d item(s) in %d table(s) saved at %s; %d RFO expiry(ies) re-armed (%.2fs)",
            sum(written.values()),
            sum(1 for n in written.values() if n),
            saved.saved_at or "?",
            armed,
            time.perf_counter() - started,
        )

    def take_snapshot(self) -> snapshot.Snapshot:
        """Every table's items now, and the bootstrap admin (kept across restarts)."""
        info = self.info
        return snapshot.Snapshot(
            tables=snapshot.dump(self._snapshot_ddb(), self.resources.tables, environment.TABLE_PREFIX),
            admin_id=info.admin_id if info else None,
            admin_key=info.admin_key if info else None,
        )

    def _snapshot_ddb(self) -> Any:
        """The saves' DynamoDB client, made once on the starting thread (the autosave thread reuses it)."""
        if self._ddb is None:
            self._ddb = self._client("dynamodb")
        return self._ddb

    def save(self) -> bool:
        """Save the data now (also done on stop and every ``save_every_s``); False when unchanged or off."""
        if self.data is None or self.moto is None or self.info is None:
            return False
        return self.data.save(self.take_snapshot)

    def _preload(self) -> None:
        from intentbid.routes import ROUTES
        from intentbid.workers import REALTIME_FUNCTIONS, WORKERS

        names = [
            AUTHORIZER,
            *dict.fromkeys(r.function for r in ROUTES),
            *(w.function for w in WORKERS),
            *REALTIME_FUNCTIONS,
        ]
        self.loader.preload(n for n in names if self.loader.exists(n))

    def _client(self, service: str) -> Any:
        """A client for a poller. One session makes them all, here on this thread (sessions are not
        thread-safe; clients are), so each service's model is loaded once."""
        import boto3
        from botocore.config import Config

        assert self.moto is not None
        if self._session is None:
            self._session = boto3.session.Session()
        return self._session.client(
            service,
            region_name=environment.REGION,
            endpoint_url=self.moto.url,
            config=Config(retries={"max_attempts": 2}, read_timeout=10),
        )

    def _start_pollers(self) -> None:
        from intentbid.workers import QUEUES, WORKERS

        visibility = {q.logical_name: self._visibility or q.visibility_timeout_s for q in QUEUES}
        for w in WORKERS:
            try:
                handler = self.loader.get(w.function)
            except Exception as exc:
                log.warning("worker %s not started: its handler failed to import (%s)", w.function, exc)
                continue
            if handler is None:
                log.warning("worker %s not started: functions/%s/app.py does not exist", w.function, w.function)
                continue
            poller: Poller
            if w.source == "sqs":
                poller = SqsPoller(
                    w.function,
                    handler,
                    w.batch_size,
                    self._client,
                    self.resources.queue_urls[w.resource],
                    self.resources.queue_arns[w.resource],
                    visibility[w.resource],
                )
            elif w.source == "stream":
                table = environment.TABLE_PREFIX + w.resource
                poller = StreamPoller(
                    w.function, handler, w.batch_size, self._client, table, self._stream_starts.get(table)
                )
            else:
                log.warning("worker %s: unknown source %r", w.function, w.source)
                continue
            poller.start()
            self.pollers.append(poller)

    @property
    def workers(self) -> list[str]:
        return [p.function for p in self.pollers]

    def reset(self) -> RuntimeInfo:
        """Empty every table and queue (moto reset) and provision again, with a new admin key. The pollers
        pause meanwhile (their streams and iterators are gone)."""
        assert self.moto is not None and self.info is not None
        self._stop_pollers()
        self.moto.reset()
        admin = self._provision()
        self._start_pollers()
        self.info.admin_key = admin[1] if admin else None
        self.info.admin_id = admin[0] if admin else None
        return self.info

    def _stop_pollers(self) -> None:
        for p in self.pollers:
            p.stop()
        for p in self.pollers:
            p.join()
        self.pollers = []

    def stop(self) -> None:
        """Stop serving and polling, save the data (when kept), stop moto."""
        if self.data is not None:
            self.data.stop_autosave()
        if self.server is not None:
            self.server.stop()
            self.server = None
        self._stop_pollers()
        if self.data is not None and self.moto is not None and self.info is not None:
            try:
                if self.save():
                    log.info("data saved to %s", self.data.data_path)
            except Exception:
                log.exception("could not save data to %s", self.data.data_path)
        injector = faults.current()
        if injector is not None:
            log.warning("faults injected: %s", injector.summary())
        if self.moto is not None:
            self.moto.stop()
            self.moto = None

    def __enter__(self) -> LocalRuntime:
        if self.info is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def migrate() -> None:
    """Apply the pending data migrations (``migrations/``), as a deploy's post-deploy step does."""
    from migrations import runner

    report = runner.run(by="make dev")
    for step in report.steps:
        if step.items:
            log.info("migration m%04d %s: %d item(s) changed", step.version, step.name, step.items)
