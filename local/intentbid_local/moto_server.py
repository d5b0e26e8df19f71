"""moto in server mode, in this process, on loopback, with Step Functions executing state machines."""

from __future__ import annotations

import json
import logging
import os
import urllib.request

from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from intentbid_local import moto_atomic

SFN_CONFIG = {"stepfunctions": {"execute_state_machine": True}}


class MotoServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        self.url = ""

    def start(self) -> str:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no per-request lines
        moto_atomic.install()  # conditional writes are check-and-set, as in DynamoDB
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        # moto's Step Functions interpreter calls SQS etc. at http://localhost:$MOTO_PORT.
        os.environ["MOTO_PORT"] = str(port)
        self.configure()
        return self.url

    def configure(self) -> None:
        self._post("/moto-api/config", SFN_CONFIG)

    def reset(self) -> None:
        self._post("/moto-api/reset", None)
        self.configure()

    def stop(self) -> None:
        self._server.stop()
        inner = getattr(self._server, "_server", None)
        if inner is not None:
            inner.server_close()  # moto's stop() leaves the listening socket open

    def _post(self, path: str, payload: object) -> None:
        data = json.dumps(payload).encode() if payload is not None else b""
        req = urllib.request.Request(
            self.url + path, data=data, method="POST", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()
