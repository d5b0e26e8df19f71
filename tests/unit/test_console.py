"""The local runtime's stdout/stderr: one write per line whatever thread writes (intentbid_local.console)."""

from __future__ import annotations

import io
import json
import logging
import sys
import threading

import pytest

from intentbid_local import console
from intentbid_local.console import LineWriter


class Recording(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, s: str) -> int:
        self.writes.append(s)
        return super().write(s)


def _interleave(stream: io.TextIOBase | Recording) -> None:
    """The race of issue 11, forced: a thread ``print``s an EMF blob (two writes: the blob, then the newline)
    and a log record is written in between by another thread."""
    half_written, record_written = threading.Event(), threading.Event()

    def metrics_flush() -> None:
        stream.write('{"_aws":{"CloudWatchMetrics":[]}}')  # what print() writes first
        half_written.set()
        record_written.wait(5)
        stream.write("\n")  # ... and then

    def log_record() -> None:
        half_written.wait(5)
        handler = logging.StreamHandler(stream)  # type: ignore[arg-type]
        handler.emit(logging.makeLogRecord({"msg": '{"level":"INFO","message":"outbox event"}'}))
        record_written.set()

    threads = [threading.Thread(target=metrics_flush), threading.Thread(target=log_record)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)


def test_a_record_written_between_the_halves_of_a_print_gets_its_own_line() -> None:
    target = Recording()
    _interleave(LineWriter(target))  # type: ignore[arg-type]
    lines = target.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"level": "INFO", "message": "outbox event"},
        {"_aws": {"CloudWatchMetrics": []}},
    ]
    assert all(w.endswith("\n") and w.count("\n") == 1 for w in target.writes)  # one write per line


def test_without_it_the_two_records_share_a_line() -> None:
    """What the runtime's stdout did before (the test above must not pass by accident)."""
    target = Recording()
    _interleave(target)
    assert (
        target.getvalue().splitlines()[0]
        == '{"_aws":{"CloudWatchMetrics":[]}}{"level":"INFO","message":"outbox event"}'
    )


def test_several_lines_in_one_write_and_a_flushed_partial_line() -> None:
    target = Recording()
    writer = LineWriter(target)  # type: ignore[arg-type]
    writer.write("a\nb")
    assert target.writes == ["a\n"]
    writer.write("c\nd\ne")
    assert target.writes == ["a\n", "bc\nd\n"]
    writer.flush()
    assert target.getvalue() == "a\nbc\nd\ne"


def test_install_wraps_both_streams_and_repoints_handlers_made_before(monkeypatch: pytest.MonkeyPatch) -> None:
    mp = monkeypatch
    out, err = io.StringIO(), io.StringIO()
    mp.setattr(sys, "stdout", out)
    mp.setattr(sys, "stderr", err)
    early = logging.getLogger("test_console.early")  # like the Powertools logger: holds sys.stdout itself
    handler = logging.StreamHandler(sys.stdout)
    early.addHandler(handler)
    try:
        console.install()
        console.install()  # idempotent
        assert isinstance(sys.stdout, LineWriter) and sys.stdout.target is out
        assert isinstance(sys.stderr, LineWriter) and sys.stderr.target is err
        assert handler.stream is sys.stdout
    finally:
        early.removeHandler(handler)
