"""The buyer/agent access policy document, generated from the route table.

Each route carries its access rule as data (:mod:`intentbid.routes`): who may call it (kinds, scopes), its
ownership rule and what each principal kind gets back. ``docs/ACCESS_POLICY.md`` is generated from it
(``make access-policy``) and a test keeps it in step; the access-matrix e2e test checks the running system
against the same data.
"""

from __future__ import annotations

from intentbid.routes import PUBLIC, ROUTES, Route

_OWNERSHIP_TEXT = {"own": "another tenant's object: 404", "self": "another principal in the path: 404", "none": "-"}


def returns(route: Route, kind: str) -> str | None:
    """What a principal of ``kind`` gets back from ``route`` (PUBLIC: an anonymous caller of a public route)."""
    return route.returns.get(kind) or route.returns.get("*")


def markdown() -> str:
    lines = [
        "# Access policy",
        "",
        "Generated from the route table (`intentbid/routes.py`: each route's access rule) by `make access-policy`",
        "(`intentbid/access_doc.py`); `tests/unit/test_access_doc.py` fails if this file is stale, and",
        "`tests/e2e/test_access_matrix.py` checks the running system against the same data.",
        "",
        "Rules: a key acts only within its kind and scopes (the authorizer denies the rest with 403",
        "`insufficient_scope` or `forbidden`, and the endpoint re-checks); another tenant's object is a 404, never a",
        "403; live keys never see sandbox (`ib_test_`) data and vice versa; admins hold the single scope `admin`.",
        "Keys manage only keys of their own environment (another is a 404) and never a key holding a scope they",
        "lack (403 `insufficient_scope`); revoking needs only `keys:manage`.",
        "",
        "| route | principals | scopes | buyer gets | vendor gets | admin gets | not owner |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in ROUTES:
        if r.public:
            lines.append(f"| `{r.method} {r.path}` | public | - | {returns(r, PUBLIC)} | | | - |")
            continue
        cells = [returns(r, k) or "403" if k in r.kinds else "403" for k in ("buyer", "vendor", "admin")]
        scopes = ", ".join(f"`{s}`" for s in r.scopes) or "-"
        own = _OWNERSHIP_TEXT[r.ownership]
        lines.append(f"| `{r.method} {r.path}` | {', '.join(r.kinds)} | {scopes} | {' | '.join(cells)} | {own} |")
    return "\n".join(lines) + "\n"
