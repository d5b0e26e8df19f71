from __future__ import annotations

from pathlib import Path

from intentbid.access_doc import markdown, returns
from intentbid.routes import OWNERSHIP_RULES, PUBLIC, ROUTES

DOC = Path(__file__).resolve().parents[2] / "docs" / "ACCESS_POLICY.md"


def test_the_document_is_generated_from_the_route_table() -> None:
    assert DOC.read_text() == markdown(), "docs/ACCESS_POLICY.md is stale: run `make access-policy`"


def test_every_route_and_every_allowed_kind_says_what_it_returns() -> None:
    for r in ROUTES:
        assert r.ownership in OWNERSHIP_RULES, r.function
        if r.public:
            assert set(r.returns) == {PUBLIC} and returns(r, PUBLIC), r.function
            assert r.ownership == "none", r.function
            continue
        for kind in r.kinds:
            assert returns(r, kind), (r.function, kind)
        assert set(r.returns) - {"*"} <= set(r.kinds), r.function
