"""Cold import time of every Lambda function, as a ratio to a same-run boto3 baseline.

Each measurement is a fresh interpreter (``python -S``, so no ``.pth`` hooks) whose ``sys.path`` is what Lambda
gives a function: the shared layer (``layers/shared/python``) and the third-party packages (site-packages).
Inside it, the time around loading ``functions/<name>/app.py`` (``importlib``, exactly how the runtime loads
``app.handler``) is measured; interpreter start-up is excluded. The baseline is a fresh process doing
``import boto3; boto3.client("dynamodb", region_name="us-east-1")`` - the least any function touching
DynamoDB pays. Runs are interleaved (baseline, then every function, N times) and the median is reported.

Byte-code is cached out of the tree (``PYTHONPYCACHEPREFIX``) and warmed before measuring, so every module -
ours and third-party alike - loads from ``.pyc`` as it does from a deployment package.

    python bench/cold_imports.py [--runs 5] [--functions authorizer,me] [--top 10] [--clock wall|cpu]

``--clock cpu`` times the child's CPU time (``time.process_time``) instead of the wall clock: on a machine other
jobs load, a process waiting for a core inflates wall time by anything from 1x to 10x (medians of 5 swing by
+-0.3x), while its CPU time barely moves; importing is CPU-bound, so the CPU ratio is the steadier estimate of
the unloaded wall ratio. The default stays the wall clock (what Lambda bills).

A benchmark reports, it does not gate: the exit status is always 0.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import benchlib

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ROOT / "functions"
SHARED = ROOT / "layers" / "shared" / "python"
AUTHORIZER = "authorizer"
TARGETS = {AUTHORIZER: 0.7}  # issue 12: the authorizer <= 0.7x, every other function <= 1.3x
DEFAULT_TARGET = 1.3

CLOCKS = {"wall": "perf_counter", "cpu": "process_time"}
_PRELUDE = "import time, importlib.util\n_t0 = time.perf_counter()\n"
_EPILOGUE = "_t1 = time.perf_counter()\nprint('BENCH_MS=%.3f' % ((_t1 - _t0) * 1000.0))\n"
_BASELINE = 'import boto3\nboto3.client("dynamodb", region_name="us-east-1")\n'
BASELINE_CODE = _PRELUDE + _BASELINE + _EPILOGUE


def timed(body: str, clock: str = "wall") -> str:
    """``body`` between two readings of ``clock`` (``wall``: ``time.perf_counter``, ``cpu``: ``time.process_time``)."""
    return (_PRELUDE + body + _EPILOGUE).replace("perf_counter", CLOCKS[clock])


def function_code(name: str, clock: str = "wall") -> str:
    app = FUNCTIONS / name / "app.py"
    return timed(
        f"_s = importlib.util.spec_from_file_location('app', {str(app)!r})\n"
        + "_m = importlib.util.module_from_spec(_s)\n_s.loader.exec_module(_m)\n"
        + "assert callable(_m.handler)\n",
        clock,
    )


def discover() -> list[str]:
    return sorted(p.parent.name for p in FUNCTIONS.glob("*/app.py"))


def lambda_env(pycache: Path) -> dict[str, str]:
    """The environment a function starts with: layer + packages on PYTHONPATH, region, table prefix."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AWS_", "POWERTOOLS_"))}
    site = sysconfig.get_paths()["purelib"]
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(SHARED), site]),
            "PYTHONPYCACHEPREFIX": str(pycache),
            "PYTHONHASHSEED": "0",
            "TZ": "UTC",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_LAMBDA_FUNCTION_NAME": "bench",
            "POWERTOOLS_SERVICE_NAME": "intentbid",
            "POWERTOOLS_METRICS_NAMESPACE": "IntentBid",
            "TABLE_PREFIX": "intentbid-bench-",
        }
    )
    return env


def run_once(code: str, env: dict[str, str], *, importtime: bool = False) -> tuple[float, str]:
    cmd = [sys.executable, "-S", *(["-X", "importtime"] if importtime else []), "-c", code]
    proc = subprocess.run(cmd, env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True, check=False)
    m = re.search(r"BENCH_MS=([0-9.]+)", proc.stdout)
    if proc.returncode != 0 or not m:
        raise RuntimeError(f"measurement failed (rc={proc.returncode}):\n{proc.stderr[-2000:]}")
    return float(m.group(1)), proc.stderr


def parse_importtime(stderr: str) -> list[tuple[str, int, int]]:
    """``-X importtime`` lines -> (module, self us, cumulative us)."""
    rows = []
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)", line)
        if m:
            rows.append((m.group(4), int(m.group(1)), int(m.group(2))))
    return rows


def print_table(headers: list[str], rows: list[list[str]], align: str) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(cells, widths, align, strict=True))

    print(fmt(headers))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(fmt(r))


def print_authorizer_imports(code: str, env: dict[str, str], top: int) -> None:
    """The authorizer's heaviest imports (self time, one -X importtime run), then self time per package."""
    _, stderr = run_once(code, env, importtime=True)
    _, startup = run_once(_PRELUDE + _EPILOGUE, env, importtime=True)
    preloaded = {m for m, _, _ in parse_importtime(startup)}  # interpreter start-up + the timing prelude
    mods = [row for row in parse_importtime(stderr) if row[0] not in preloaded]
    heavy = sorted(mods, key=lambda m: m[1], reverse=True)[:top]
    print(f"\nAuthorizer: top {top} imported modules by self time (python -X importtime, one run)")
    print_table(
        ["module", "self ms", "cumulative ms"],
        [[m, f"{s / 1000:.1f}", f"{c / 1000:.1f}"] for m, s, c in heavy],
        "lrr",
    )
    by_pkg: dict[str, int] = {}
    for m, s, _ in mods:
        by_pkg[m.split(".")[0]] = by_pkg.get(m.split(".")[0], 0) + s
    top_pkgs = sorted(by_pkg.items(), key=lambda kv: kv[1], reverse=True)[:top]
    print(f"\nAuthorizer: self time summed by top-level package ({len(mods)} modules imported)")
    print_table(["package", "ms"], [[p, f"{s / 1000:.1f}"] for p, s in top_pkgs], "lr")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="measurements per function (median reported)")
    ap.add_argument("--functions", default="", help="comma-separated subset (default: every functions/*/app.py)")
    ap.add_argument("--top", type=int, default=10, help="heaviest authorizer imports to list")
    ap.add_argument("--clock", choices=sorted(CLOCKS), default="wall", help="wall clock (default) or CPU time")
    ap.add_argument(
        "--pycache",
        default=str(Path(tempfile.gettempdir()) / "intentbid-bench-pycache"),
        help="out-of-tree byte-code cache (PYTHONPYCACHEPREFIX)",
    )
    args = ap.parse_args(argv)

    names = [n for n in args.functions.split(",") if n] or discover()
    env = lambda_env(Path(args.pycache))
    codes = {"(baseline)": timed(_BASELINE, args.clock), **{n: function_code(n, args.clock) for n in names}}

    # Warm-up: compile every module once into the out-of-tree cache (not measured). A function that does not
    # import is reported as such; the others are still measured.
    broken: dict[str, str] = {}
    for key, code in list(codes.items()):
        try:
            run_once(code, env)
        except RuntimeError as exc:
            if key == "(baseline)":
                raise
            broken[key] = str(exc).strip().splitlines()[-1]
            del codes[key]

    samples: dict[str, list[float]] = {k: [] for k in codes}
    for _ in range(max(1, args.runs)):
        for key, code in codes.items():  # interleaved: machine noise spreads over all entries alike
            samples[key].append(run_once(code, env)[0])

    base = statistics.median(samples["(baseline)"])
    clock = "wall clock" if args.clock == "wall" else "CPU time (--clock cpu)"
    print(f"Cold import, median of {args.runs} fresh processes (python -S, Lambda-like sys.path, warm .pyc), {clock}")
    print(f'baseline: import boto3; boto3.client("dynamodb") = {base:.1f} ms\n')
    rows, over = [], []
    for name in names:
        if name in broken:
            over.append(f"{name} does not import")
            rows.append([name, "-", "-", "-", "-", "-", "ERROR: " + broken[name][:60]])
            continue
        med = statistics.median(samples[name])
        ratio = med / base
        target = TARGETS.get(name, DEFAULT_TARGET)
        verdict = "under" if ratio <= target else "OVER"
        if verdict == "OVER":
            over.append(f"{name} {ratio:.2f}x > {target:.1f}x")
        spread = f"{min(samples[name]):.0f}-{max(samples[name]):.0f}"
        margin = f"{ratio - target:+.2f}x"
        rows.append([name, f"{med:.1f}", spread, f"{ratio:.2f}x", f"<= {target:.1f}x", margin, verdict])
    print_table(["function", "median ms", "range ms", "ratio", "target", "ratio-target", "result"], rows, "lrrrrrl")

    if AUTHORIZER in codes:
        print_authorizer_imports(codes[AUTHORIZER], env, args.top)

    print()
    if over:
        print(f"SUMMARY: {len(over)} of {len(names)} functions OVER target or broken: " + "; ".join(over))
    else:
        print(f"SUMMARY: all {len(names)} functions within target (authorizer <= 0.7x, others <= 1.3x of baseline)")
    return 0


if __name__ == "__main__":
    benchlib.report(main, trace=False)
