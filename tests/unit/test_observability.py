"""Redaction: no code path can log a key, a bearer token or a secret-named value."""

from __future__ import annotations

import io
import json
import logging

from intentbid import observability as obs
from intentbid.domain import keys


def capture(fn) -> list[dict]:  # type: ignore[no-untyped-def]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(obs.logger.registered_formatter)
    obs.logger.addHandler(handler)
    try:
        fn()
    finally:
        obs.logger.removeHandler(handler)
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_keys_tokens_and_secret_fields_are_masked_everywhere() -> None:
    secret = keys.generate("live")
    sandbox = keys.generate("test")

    def log() -> None:
        obs.logger.info(
            f"got {secret}",
            extra={
                "headers": {"Authorization": f"Bearer {secret}"},
                "api_key": sandbox,
                "nested": [{"client_secret": "s3cr3t"}],
                "note": f"bearer {sandbox} and whsec_abcdefgh12345678",
            },
        )
        obs.logger.info({"password": "hunter2", "ok": "visible"})

    lines = capture(log)
    text = json.dumps(lines)
    assert secret not in text and sandbox not in text
    assert "s3cr3t" not in text and "hunter2" not in text and "whsec_abcdefgh12345678" not in text
    assert "visible" in text and "ib_live_***" in text


def test_request_fields_are_on_every_line_and_isolated_per_context() -> None:
    import contextvars

    def in_request(cid: str) -> list[dict]:
        obs.reset_request_context(correlation_id=cid)
        obs.bind(principal_id="ven_1", key_id="key_1")
        return capture(lambda: obs.logger.info("hello"))

    a = contextvars.copy_context().run(in_request, "corr-a")
    b = contextvars.copy_context().run(in_request, "corr-b")
    assert a[0]["correlation_id"] == "corr-a" and a[0]["key_id"] == "key_1"
    assert b[0]["correlation_id"] == "corr-b"
    assert "correlation_id" not in capture(lambda: obs.logger.info("outside"))[0]
