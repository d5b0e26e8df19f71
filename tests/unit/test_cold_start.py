"""A bad setting fails every function's cold start, naming the variable (issue 10, item 5).

Every ``functions/*/app.py`` is loaded as Lambda loads it (a fresh interpreter, ``-S``, the layer then the
third-party packages on ``sys.path``) with one bad variable in its environment: the import raises the settings'
``ValueError`` before the handler exists. One interpreter loads every function in turn, dropping the
``intentbid`` modules in between, so each load is that function's own cold start.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from intentbid_local.harness import cold_process_env

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / "layers" / "shared" / "python"
FUNCTIONS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))

_PROBE = r"""
import importlib.util, json, sys
out = {}
for path in sys.argv[1:]:
    for name in [m for m in sys.modules if m == "intentbid" or m.startswith("intentbid.")]:
        del sys.modules[name]
    spec = importlib.util.spec_from_file_location("app", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        out[path] = "loaded"
    except Exception as exc:
        out[path] = f"{type(exc).__name__}: {exc}"
print(json.dumps(out))
"""


def cold_starts(bad: dict[str, str]) -> dict[str, str]:
    """{function: "loaded" or the exception its import raised} with ``bad`` added to a Lambda-like env."""
    env = cold_process_env(str(SHARED), **bad)
    paths = [str(ROOT / "functions" / f / "app.py") for f in FUNCTIONS]
    proc = subprocess.run(
        [sys.executable, "-S", "-c", _PROBE, *paths],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return {Path(p).parent.name: outcome for p, outcome in result.items()}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            {"INTENTBID_RATE_LIMIT_VENDOR": "abc"},
            "ValueError: INTENTBID_RATE_LIMIT_VENDOR: expected <quota>/<window_s> (e.g. 120/60, window_s > 0) "
            "or 0 (off), got 'abc'",
        ),
        ({"LOG_LEVEL": "LOUD"}, "ValueError: LOG_LEVEL: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ],
    ids=["rate", "choice"],
)
def test_a_bad_value_fails_every_functions_cold_start_naming_the_variable(bad: dict[str, str], message: str) -> None:
    outcomes = cold_starts(bad)
    assert sorted(outcomes) == FUNCTIONS
    failed_otherwise = {f: o for f, o in outcomes.items() if not o.startswith(message)}
    assert failed_otherwise == {}, "these functions did not fail their cold start on the bad value"
