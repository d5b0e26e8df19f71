"""Load ``functions/<name>/app.py:handler`` as Lambda would with handler ``app.handler``.

Function folders have no ``__init__``: each ``app.py`` is loaded by file path under a unique module name
(``fn_<name>``), once, under a lock (the gateway calls handlers from many threads). Extra folders listed
before the repository's ``functions/`` overlay it (tests use this for fake workers).
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from intentbid_local import paths

Handler = Callable[[dict[str, Any], Any], Any]
log = logging.getLogger("intentbid_local.functions")


class FunctionLoader:
    def __init__(self, extra_dirs: Iterable[Path] = ()) -> None:
        self.dirs = [*(Path(d) for d in extra_dirs), paths.functions_dir()]
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()

    def source_of(self, name: str) -> Path | None:
        for d in self.dirs:
            candidate = d / name / "app.py"
            if candidate.is_file():
                return candidate
        return None

    def exists(self, name: str) -> bool:
        return name in self._handlers or self.source_of(name) is not None

    def get(self, name: str) -> Handler | None:
        """The handler of ``name``, or ``None`` when its ``app.py`` does not exist. Import errors propagate."""
        handler = self._handlers.get(name)
        if handler is not None:
            return handler
        with self._lock:
            if name in self._handlers:
                return self._handlers[name]
            source = self.source_of(name)
            if source is None:
                return None
            handler = _load(name, source)
            self._handlers[name] = handler
            return handler

    def preload(self, names: Iterable[str]) -> dict[str, str]:
        """Import each existing function now (first requests stay fast); returns ``{name: error}``."""
        failures = {}
        for name in names:
            try:
                self.get(name)
            except Exception as exc:  # a broken handler must not stop the runtime
                failures[name] = f"{type(exc).__name__}: {exc}"
                log.warning("function %s failed to import: %s", name, failures[name])
        return failures


def _load(name: str, source: Path) -> Handler:
    module_name = f"fn_{name}"
    spec = importlib.util.spec_from_file_location(module_name, source)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {source}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    handler = getattr(module, "handler", None)
    if not callable(handler):
        raise ImportError(f"{source} has no callable 'handler'")
    return handler
