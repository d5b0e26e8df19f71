"""Where the repository's folders are. ``INTENTBID_ROOT`` overrides the root (e.g. an installed copy)."""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    override = os.environ.get("INTENTBID_ROOT")
    return Path(override).resolve() if override else Path(__file__).resolve().parents[2]


def functions_dir() -> Path:
    return repo_root() / "functions"


def events_dir() -> Path:
    return repo_root() / "events"


def dashboard_dir() -> Path:
    return repo_root() / "dashboard"
