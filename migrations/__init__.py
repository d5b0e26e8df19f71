"""Data migrations: numbered modules ``m<NNNN>_<name>.py`` with ``up`` and ``down``, run by ``migrations.runner``
and recorded in the ledger table (``intentbid.store.migrations``).

A module declares::

    VERSION = 1                      # its number (the file's NNNN)
    NAME = "offer pointers"
    def up(cursor, page_size) -> Page      # one page of work from ``cursor`` (None: the beginning)
    def down(cursor, page_size) -> Page
    def down_blockers() -> Iterator[str]   # why ``down`` would lose data changed since (empty: safe)

Each page must be idempotent (conditional writes: a page run twice after a crash changes nothing the second
time), because the runner checkpoints after a page, not inside one. Modules speak to data only through the
store's verbs. A module is never edited once applied (the ledger keeps its checksum): write a new one.

Migrations run after the stack update (the deploy's post-deploy step), so new code must tolerate a pending
migration — until it cannot: ``intentbid.store.migrations.REQUIRED_VERSION`` names the highest version the code
needs applied, and a deploy refuses (``python -m migrations check``) while any version up to it is pending.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
MODULE_NAME = re.compile(r"^m(\d{4})_[a-z0-9_]+\.py$")


@dataclass(frozen=True)
class Page:
    changed: int  # items written or removed by this page
    cursor: str | None  # where the next page starts; None: done


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    checksum: str
    module: ModuleType

    def up(self, cursor: str | None, page_size: int) -> Page:
        page: Page = self.module.up(cursor, page_size)
        return page

    def down(self, cursor: str | None, page_size: int) -> Page:
        page: Page = self.module.down(cursor, page_size)
        return page

    def down_blockers(self, most: int = 10) -> list[str]:
        found: list[str] = []
        for reason in self.module.down_blockers():
            found.append(reason)
            if len(found) >= most:
                break
        return found


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def discover(directory: Path = HERE, package: str = __name__) -> list[Migration]:
    """Every migration module of ``directory``, by version; a malformed one is an error, never skipped."""
    found: list[Migration] = []
    for path in sorted(directory.glob("m*.py")):
        m = MODULE_NAME.match(path.name)
        if not m:
            raise ValueError(f"{path.name}: a migration module is named m<NNNN>_<name>.py")
        module = importlib.import_module(f"{package}.{path.stem}")
        version = int(m.group(1))
        if getattr(module, "VERSION", None) != version:
            raise ValueError(f"{path.name}: VERSION must be {version}")
        for fn in ("up", "down", "down_blockers"):
            if not callable(getattr(module, fn, None)):
                raise ValueError(f"{path.name}: defines no {fn}()")
        found.append(Migration(version, str(module.NAME), checksum(path), module))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"two migrations share a version: {versions}")
    return found
