"""The checked-in OpenAPI document (docs/openapi.json, for review in diffs and for SDK generation) is exactly
what the running API serves: regenerate it with `make openapi`."""

from __future__ import annotations

import json
from pathlib import Path

from intentbid.openapi import build

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_checked_in_openapi_matches_the_route_table_and_models() -> None:
    assert json.loads(DOC.read_text()) == build(), "docs/openapi.json is stale: run `make openapi`"
