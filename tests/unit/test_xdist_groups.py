"""`make test` runs `pytest -n 2 --dist loadgroup`: everything that talks to a local runtime shares the worker
of its `xdist_group`, so a session runtime starts once and a module's fixtures (a load run, the access matrix)
are built once. pytest 9.2 stopped letting pytest-xdist 3.8 tag node ids with their group, and loadgroup then
spread every group over both workers without a word: module fixtures were built twice and e2e modules ran
against each other. This runs the project's pytest and xdist on two grouped modules and checks where they ran.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

GROUPED = """
import os, pytest
pytestmark = [pytest.mark.xdist_group("g")]

@pytest.mark.parametrize("i", range(12))
def test_{name}(i):
    with open(os.environ["ORDER_LOG"], "a") as f:
        f.write(os.environ["PYTEST_XDIST_WORKER"] + " {name}\\n")
"""
LOOSE = "\n".join(f"def test_loose_{i}():\n    pass\n" for i in range(24))


def test_loadgroup_keeps_a_group_on_one_worker(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"test_{name}.py").write_text(GROUPED.format(name=name))
    (tmp_path / "test_loose.py").write_text(LOOSE)
    log = tmp_path / "order.log"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "loadgroup", "."],
        check=False,
        cwd=tmp_path,
        env={"ORDER_LOG": str(log), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    workers = {line.split()[0] for line in log.read_text().splitlines()}
    assert len(log.read_text().splitlines()) == 24
    assert len(workers) == 1, f"group 'g' ran on {sorted(workers)}"
