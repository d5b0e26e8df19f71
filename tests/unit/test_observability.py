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
    # outside any request: a fresh context (this thread's own may hold an earlier test's request context)
    outside = contextvars.Context().run(capture, lambda: obs.logger.info("outside"))
    assert "correlation_id" not in outside[0]


# The writers are ours (importing Powertools cost every function's cold start, issue 12); what they write is
# Powertools' format, checked here against Powertools itself for the same records and metrics.


def _records() -> list[logging.LogRecord]:
    def record(msg: object, *args: object, exc: bool = False, **extra: object) -> logging.LogRecord:
        exc_info = None
        if exc:
            try:
                raise ValueError("boom")
            except ValueError:
                import sys

                exc_info = sys.exc_info()
        rec = logging.LogRecord("intentbid", logging.INFO, __file__, 42, msg, args or None, exc_info, "fn")
        rec.__dict__.update(extra)
        return rec

    return [
        record("hello", a=1, correlation_id="corr-1", nested={"token": "t0ps3cret"}),
        record({"password": "hunter2", "ok": "visible"}),
        record("transient failure: %s", "ThrottlingException"),
        record('{"already": "json"}'),
        record("unhandled error", exc=True, route="rfo_get"),
        record(f"key {keys.generate('live')}", status=None),
    ]


def test_log_lines_are_what_powertools_logger_writes(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f;Sampled=1")
    theirs = LambdaPowertoolsFormatter(service=obs.SERVICE, json_serializer=obs._serialize, use_rfc3339=True, utc=True)
    ours = obs.logger.registered_formatter
    for rec in _records():
        assert json.loads(ours.format(rec)) == json.loads(theirs.format(rec))
        assert list(json.loads(ours.format(rec))) == list(json.loads(theirs.format(rec)))  # same key order


def _emf_of(out: str) -> list[dict]:
    blobs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    for blob in blobs:
        blob["_aws"]["Timestamp"] = 0
    return blobs


def test_emf_blobs_are_what_powertools_metrics_writes(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from aws_lambda_powertools.metrics import Metrics, MetricUnit, single_metric

    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", obs.SERVICE)
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.delenv("POWERTOOLS_DEV", raising=False)
    obs.flush_metrics()
    capsys.readouterr()

    theirs = Metrics(namespace=obs.NAMESPACE, service=obs.SERVICE)
    theirs.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    theirs.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=12.5)
    theirs.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    theirs.flush_metrics()
    with single_metric(name="OffersRejected", unit=MetricUnit.Count, value=2, namespace=obs.NAMESPACE) as m:
        m.add_dimension(name="reason", value="cooldown")
    expected = _emf_of(capsys.readouterr().out)

    obs.count("Requests")
    obs.timing_ms("Latency", 12.5)
    obs.count("Requests")
    obs.flush_metrics()
    obs.count("OffersRejected", 2, reason="cooldown")
    got = _emf_of(capsys.readouterr().out)
    assert got == expected and len(got) == 2
    obs.flush_metrics()
    assert capsys.readouterr().out == ""  # nothing buffered: nothing written


def test_metrics_follow_powertools_switches(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    obs.count("Requests")
    obs.flush_metrics()
    assert capsys.readouterr().out == ""
    assert obs.metrics_disabled({"POWERTOOLS_DEV": "1"}) and not obs.metrics_disabled({})
    assert not obs.metrics_disabled({"POWERTOOLS_DEV": "1", "POWERTOOLS_METRICS_DISABLED": "false"})


def test_log_level_follows_powertools_precedence() -> None:
    assert obs.log_level({}) == "INFO"
    assert obs.log_level({}, configured="debug") == "DEBUG"  # LOG_LEVEL, read by intentbid.config
    assert obs.log_level({"POWERTOOLS_LOG_LEVEL": "warning"}, configured="DEBUG") == "WARNING"
    assert obs.log_level({"AWS_LAMBDA_LOG_LEVEL": "WARN", "POWERTOOLS_LOG_LEVEL": "DEBUG"}) == "WARNING"
