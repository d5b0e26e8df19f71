"""One write per line on the local runtime's stdout and stderr, whatever thread writes.

In Lambda every invocation has its process to itself; locally the handlers run in threads of one process and
share its stdout. Python's logging handlers write a record in one call under their own lock, but other
writers do not: Powertools Metrics flushes EMF with ``print(blob)``, which is two writes (the blob, then
``"\\n"``), and the logger's lock does not cover them. A record written between the two ends up on the same
line as the metric blob (``{emf}{record}``), which no JSON-lines reader can parse.

:func:`install` puts :class:`LineWriter` in front of ``sys.stdout`` and ``sys.stderr``: each thread's writes are
gathered until a newline, and only complete lines reach the real stream, in one write under one lock shared by
both streams (they are usually the same file or terminal).
"""

from __future__ import annotations

import io
import logging
import sys
import threading
import time
from typing import IO, TextIO

_LOCK = threading.Lock()
_last_line_at = time.monotonic()


def last_line_at() -> float:
    """``time.monotonic()`` when a wrapped stream last wrote a line (``make dev`` waits for quiet before its
    banner, so the banner is the last thing on the screen)."""
    return _last_line_at


class LineWriter(io.TextIOBase):
    """A text stream whose writes reach ``target`` as whole lines, one ``write`` call each."""

    def __init__(self, target: IO[str], lock: threading.Lock = _LOCK) -> None:
        super().__init__()
        self.target = target
        self._lock = lock
        self._pending = threading.local()

    def write(self, s: str) -> int:
        text = getattr(self._pending, "text", "") + s
        lines, newline, rest = text.rpartition("\n")
        self._pending.text = rest
        if newline:
            global _last_line_at
            with self._lock:
                self.target.write(lines + newline)
                self.target.flush()
                _last_line_at = time.monotonic()
        return len(s)

    def flush(self) -> None:
        """Also writes this thread's unfinished line (``print(..., end="", flush=True)`` shows it)."""
        rest = getattr(self._pending, "text", "")
        self._pending.text = ""
        with self._lock:
            if rest:
                self.target.write(rest)
            self.target.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.target, "encoding", "utf-8")


def line_writer(stream: IO[str]) -> TextIO:
    return stream if isinstance(stream, LineWriter) else LineWriter(stream)  # type: ignore[return-value]


def install() -> None:
    """Wrap ``sys.stdout`` and ``sys.stderr`` (idempotent), and re-point logging handlers already writing to the
    bare streams (a Powertools logger made before this call holds ``sys.stdout`` itself)."""
    bare_out, bare_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = line_writer(bare_out), line_writer(bare_err)
    wrapped = {id(bare_out): sys.stdout, id(bare_err): sys.stderr}
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for lg in loggers:
        for handler in getattr(lg, "handlers", []):  # PlaceHolder entries have none
            if isinstance(handler, logging.StreamHandler):
                wrapper = wrapped.get(id(handler.stream))
                if wrapper is not None and wrapper is not handler.stream:
                    handler.setStream(wrapper)
