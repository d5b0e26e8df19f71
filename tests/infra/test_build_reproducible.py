"""Reproducible builds: the deps layer comes from requirements.lock (every package pinned with its hashes) and two
builds of the same commit give byte-identical zips; the zip writer is deterministic by construction."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
import zip_layer  # noqa: E402

pytestmark = [pytest.mark.infra, pytest.mark.slow]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", re.M)


def pins(text: str) -> dict[str, str]:
    return {name.lower().replace("_", "-"): version for name, version in PIN.findall(text)}


def test_the_lock_pins_every_runtime_requirement_at_its_version_with_hashes() -> None:
    lock_text = (REPO / "requirements.lock").read_text()
    wanted, locked = pins((REPO / "requirements.txt").read_text()), pins(lock_text)
    assert wanted and all(locked.get(name) == version for name, version in wanted.items()), (wanted, locked)
    blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", lock_text.split("\n", 3)[3])
    assert len(blocks) == len(locked)
    for block in blocks:
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", block), block.splitlines()[0]


def test_the_dev_venv_runs_the_locked_versions() -> None:
    """make install constrains the venv to the lock: the tests exercise the versions the layer ships."""
    from importlib.metadata import PackageNotFoundError, version

    drift = {}
    for name, locked in pins((REPO / "requirements.lock").read_text()).items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue  # resolved for the Lambda runtime only (none today)
        if installed != locked:
            drift[name] = (installed, locked)
    assert drift == {}, "run make install (the venv predates requirements.lock)"


def test_the_zip_writer_is_deterministic(tmp_path: Path) -> None:
    src = tmp_path / "layer" / "python"
    (src / "pkg" / "__pycache__").mkdir(parents=True)
    (src / "pkg" / "b.py").write_text("B = 2\n")
    (src / "pkg" / "a.py").write_text("A = 1\n")
    (src / "pkg" / "__pycache__" / "a.cpython-314.pyc").write_bytes(b"cache")
    tool = src / "tool.sh"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    first = zip_layer.write(tmp_path / "layer", tmp_path / "one.zip")
    for p in src.rglob("*"):  # other timestamps: the same bytes
        p.touch()
    second = zip_layer.write(tmp_path / "layer", tmp_path / "two.zip")
    assert first == second == hashlib.sha256((tmp_path / "two.zip").read_bytes()).hexdigest()
    with zipfile.ZipFile(tmp_path / "one.zip") as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == ["python/pkg/a.py", "python/pkg/b.py", "python/tool.sh"]
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.filename: (i.external_attr >> 16) & 0o777 for i in infos}["python/tool.sh"] == 0o755


def test_two_builds_of_the_same_commit_give_byte_identical_layer_zips(tmp_path: Path) -> None:
    """The real build twice (pip --require-hashes from requirements.lock, for the Lambda platform)."""
    shas = []
    for n in (1, 2):
        out = tmp_path / f"build{n}"
        out.mkdir()
        done = subprocess.run(
            [str(REPO / "tools" / "build_deps_layer.sh"), str(out)],
            capture_output=True,
            text=True,
            timeout=600,
            env={"PYTHON": sys.executable, "PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        shas.append(hashlib.sha256((out / "deps.zip").read_bytes()).hexdigest())
        with zipfile.ZipFile(out / "deps.zip") as zf:
            names = zf.namelist()
        assert any(n.startswith("python/pydantic/") for n in names)
        assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", "direct_url.json"))]
        assert not [n for n in names if n.startswith("python/bin/")]
    assert shas[0] == shas[1]
