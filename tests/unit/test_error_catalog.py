"""The error catalog is complete: every code the code base can emit has an entry (status, meaning, fix), so every
problem's ``type`` (``/errors/<code>``) resolves. The codes are collected from the source itself (AST), so a new
``code="..."`` anywhere under ``intentbid`` fails here until the catalog names it."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from intentbid.domain import cooldown, limits
from intentbid.domain import errors as e
from intentbid.http import catalog, problem, validation

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "shared" / "python" / "intentbid"


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def emitted_codes() -> dict[str, set[str]]:
    """code -> where: ``code="..."`` keywords, ``code = "..."`` class attributes, and the code argument of
    ``FieldError(field, code, message)`` / ``field_errors((field, code, message), ...)``."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        where = str(path.relative_to(PACKAGE))
        for node in ast.walk(ast.parse(path.read_text())):
            codes: list[str | None] = []
            if (isinstance(node, ast.keyword) and node.arg == "code") or (
                isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "code"
            ):
                codes.append(_literal(node.value))
            elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple):
                names = [t.id for t in node.targets[0].elts if isinstance(t, ast.Name)]
                if names and names[0] == "code" and isinstance(node.value, ast.Tuple):
                    codes.append(_literal(node.value.elts[0]))
            elif isinstance(node, ast.Call):
                fn = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if fn == "FieldError" and len(node.args) >= 2:
                    codes.append(_literal(node.args[1]))
                if fn == "field_errors":
                    codes += [_literal(a.elts[1]) for a in node.args if isinstance(a, ast.Tuple) and len(a.elts) == 3]
            for code in codes:
                if code is not None:
                    found.setdefault(code, set()).add(where)
    return found


def test_the_collector_sees_codes_of_every_kind() -> None:
    found = emitted_codes()
    assert {"validation_failed", "rfo_not_open", "price_out_of_range", "unknown_parameter", "in_past"} <= set(found)
    assert len(found) >= 50


def test_every_code_literal_in_the_package_is_in_the_catalog() -> None:
    missing = {code: sorted(where) for code, where in emitted_codes().items() if code not in catalog.BY_CODE}
    missing.pop("error", None)  # DomainError's abstract default: never raised as such
    assert not missing, f"add these codes to intentbid.http.catalog.ENTRIES: {missing}"


def _subclasses(cls: type[e.DomainError]) -> set[type[e.DomainError]]:
    out = {cls}
    for sub in cls.__subclasses__():
        out |= _subclasses(sub)
    return out


def test_every_exception_class_carries_its_own_status_and_retryability() -> None:
    """The one error map is the classes: each declares a 4xx/5xx status; only the transient 503 is retryable
    as a class, and any error that says when to retry is retryable (a lifetime limit without Retry-After: no)."""
    classes = _subclasses(e.DomainError) - {e.DomainError}
    assert len(classes) >= 13
    for cls in classes:
        assert "status" in vars(cls) and 400 <= cls.status <= 599, cls
        assert cls.retryable is (cls.status == 503), cls
    assert e.TooManyRequests("x", retry_after=3).retryable and not e.TooManyRequests("lifetime").retryable
    assert e.ServiceUnavailable().retryable and not e.Conflict("x").retryable


def test_codes_from_constants_the_map_and_the_gateways_are_in_the_catalog() -> None:
    from intentbid.http.gateway_errors import DENY_CODE, GATEWAY_PROBLEMS, MALFORMED_REQUEST, METHOD_NOT_ALLOWED

    codes = {limits.OFFER_LIMIT_REACHED, limits.REVISION_COOLDOWN, limits.RATE_LIMITED, limits.INSUFFICIENT_IMPROVEMENT}
    codes |= set(cooldown.VIOLATION_CODES) | {cooldown.VENDOR_COOLDOWN}
    codes |= {cls.code for cls in _subclasses(e.DomainError) if cls is not e.DomainError}  # the one error map
    codes |= set(validation.CODES.values()) | validation.CUSTOM_CODES  # what the translator yields
    codes |= {"invalid_type", validation.FALLBACK_CODE}
    codes |= {"key_revoked", "key_expired", "forbidden", "insufficient_scope", "ip_not_allowed", "internal_error"}
    codes |= {p.code for p in (*GATEWAY_PROBLEMS, METHOD_NOT_ALLOWED, MALFORMED_REQUEST) if p.code != DENY_CODE}
    assert codes - set(catalog.BY_CODE) == set()


@pytest.mark.parametrize("entry", catalog.ENTRIES, ids=lambda x: x.code)
def test_every_entry_has_a_status_meaning_and_fix(entry: catalog.Entry) -> None:
    assert re.fullmatch(r"[a-z][a-z0-9_]*", entry.code)
    assert entry.meaning.strip() and entry.fix.strip() and entry.meaning != entry.fix
    assert 400 <= entry.status <= 599 and entry.title
    if entry.error is not None:
        assert entry.status == entry.error().status
    assert entry.as_dict()["type"] == f"/errors/{entry.code}"
    page = catalog.entry_html(entry.code)
    assert entry.code in page and str(entry.status) in page and "How to fix it" in page


def test_codes_are_unique_and_the_index_lists_every_one() -> None:
    assert len(catalog.BY_CODE) == len(catalog.ENTRIES)
    index = catalog.index_html()
    assert all(f"href='errors/{x.code}'" in index for x in catalog.ENTRIES)
    doc = json.loads(catalog.catalog_json())
    assert [d["code"] for d in doc["data"]] == [x.code for x in catalog.ENTRIES]


def test_a_real_problem_type_is_its_catalog_entry() -> None:
    status, _, body = problem.from_exception(e.Conflict("x", code="rfo_not_open"), "req-1")
    doc = json.loads(body)
    assert status == catalog.BY_CODE["rfo_not_open"].status and doc["type"] == "/errors/rfo_not_open"
    _, _, body = problem.from_exception(e.ValidationFailed("x"), "req-2", base="/prod")
    assert json.loads(body)["type"] == "/prod/errors/validation_failed"


def test_the_pages_allow_only_their_own_inline_style() -> None:
    csp = catalog.CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script" not in csp
    assert "<script" not in catalog.index_html() and "unsafe-inline" not in csp
