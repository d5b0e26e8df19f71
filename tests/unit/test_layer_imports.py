"""The layers' import rule, read from the source (AST), not from what happens to be loaded.

- ``services/``, ``domain/`` and ``http/`` never import PynamoDB or the table models (``intentbid.store.models``):
  the store is a port (``intentbid.store.port``), and only ``store/`` speaks PynamoDB;
- ``domain/`` imports nothing from ``store/``, ``services/`` or ``http/`` (it is pure).

Imports inside functions count too (a lazy import is still an import).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "shared" / "python" / "intentbid"
NO_PERSISTENCE = ("pynamodb", "intentbid.store.models")
LAYERS = ("services", "domain", "http")
DOMAIN_MUST_NOT = ("intentbid.store", "intentbid.services", "intentbid.http")


def imported(source: str, module: str) -> set[str]:
    """Every module ``source`` imports (``from a import b`` yields ``a`` and ``a.b``), relative ones resolved
    against ``module`` (the dotted name of the file)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.split(".")[: -node.level]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def violations(path: Path, forbidden: tuple[str, ...]) -> list[str]:
    module = ".".join(("intentbid", *path.relative_to(PACKAGE).with_suffix("").parts))
    return sorted(n for n in imported(path.read_text(), module) if _within(n, forbidden))


def modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", LAYERS)
def test_no_layer_above_the_store_imports_pynamodb_or_the_table_models(layer: str) -> None:
    found = {str(p.relative_to(PACKAGE)): v for p in modules(layer) if (v := violations(p, NO_PERSISTENCE))}
    assert found == {}, "only store/ speaks PynamoDB; call a verb of intentbid.store.port instead"


def test_the_domain_imports_no_store_service_or_http_module() -> None:
    found = {str(p.relative_to(PACKAGE)): v for p in modules("domain") if (v := violations(p, DOMAIN_MUST_NOT))}
    assert found == {}


@pytest.mark.parametrize(
    "source",
    [
        "import pynamodb",
        "from pynamodb.models import Model",
        "from intentbid.store.models.rfos import RfoModel",
        "from intentbid.store import models",
        "from ..store.models.offers import OfferModel",
        "def lazy():\n    from intentbid.store.models.audit import AuditModel\n",
    ],
)
def test_the_rule_catches_each_way_of_importing(source: str) -> None:
    assert any(_within(n, NO_PERSISTENCE) for n in imported(source, "intentbid.services.probe")), source


def test_the_rule_allows_the_port() -> None:
    allowed = "from intentbid.store.port import Change, store\nfrom intentbid.adapters import expiry_scheduler\n"
    assert not any(_within(n, NO_PERSISTENCE) for n in imported(allowed, "intentbid.services.probe"))


def test_data_migrations_speak_to_tables_only_through_the_store() -> None:
    """``migrations/`` (outside the layer) holds the same rule as the services: the store's verbs, no PynamoDB."""
    root = PACKAGE.parents[3] / "migrations"
    sources = sorted(root.glob("*.py"))
    assert any(p.name.startswith("m0001_") for p in sources)
    found = {
        p.name: v
        for p in sources
        if (v := sorted(n for n in imported(p.read_text(), f"migrations.{p.stem}") if _within(n, NO_PERSISTENCE)))
    }
    assert found == {}
