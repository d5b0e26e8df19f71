"""Which modules each Lambda function imports: deterministic cold-start facts (nothing here is timed).

Each function's ``app.py`` is loaded in a fresh interpreter with the ``sys.path`` Lambda gives it (the shared
layer, then the third-party packages; ``-S`` so no ``.pth`` hook of the dev venv interferes), and its
``sys.modules`` is inspected:

- the authorizer stays lean: no pydantic, no request/response schemas, no services, no HTTP adapter, no table
  model, no PynamoDB, nothing of botocore (its key lookup builds a botocore client on the first request, inside
  the store: ``intentbid.store.key_lookup``), no boto3, no Powertools, no X-Ray SDK;
- no function imports the X-Ray SDK, the Powertools REST resolver or boto3 (0.6 s, 0.2-0.4 s and a client
  factory of cold start; a boto3 client is made where it is used);
- endpoint handlers import no Powertools at all (logs and EMF are :mod:`intentbid.observability`'s own; the
  idempotency utility loads on the first request that carries an Idempotency-Key), no ``cryptography``, no
  OpenAPI document or examples (but the two routes serving the document);
- what a route declares bounds what it loads: the secret box only with ``Route.secrets``, the expiry
  scheduler only with ``Route.start_expiry``, PynamoDB/botocore only with tables; so a read-only route loads
  neither cryptography nor a Step Functions client;
- only the route's own request, query and response models are built at cold start (schema models are
  ``defer_build``; building the others was 45-78 ms per function);
- endpoint handlers may import models of tables they never touch (shared service modules import them; a
  model module costs ~1 ms once PynamoDB is loaded, see ``bench/cold_imports.py``); what a function may *touch*
  is enforced by IAM from ``intentbid.iam`` and checked call by call in
  ``tests/integration/test_aws_calls.py``.

Nothing here is timed: the figures are ``bench/cold_imports.py``'s (issue 12: authorizer <= 0.7x, every other
function <= 1.3x of a same-run ``import boto3`` + one client).

Note: the two workers use Powertools' batch utility, so they load ``aws_lambda_powertools`` (whose package
``__init__`` imports Logger, Metrics and ``Tracer``); ``tracing`` loads ``aws_xray_sdk`` lazily (``LazyLoader``),
which is what is asserted for them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from intentbid.iam import ACCESS, effective
from intentbid.routes import BY_FUNCTION, ROUTES
from intentbid_local.harness import cold_process_env

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / "layers" / "shared" / "python"
FUNCTIONS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))
ENDPOINTS = sorted(r.function for r in ROUTES)

_PROBE = r"""
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
assert callable(module.handler)
tables = {}
for name, mod in list(sys.modules.items()):
    if name.startswith("intentbid.store.models.") and mod is not None:
        tables[name] = sorted(
            {v.logical_name for v in vars(mod).values()
             if isinstance(v, type) and getattr(v, "__module__", "") == name and getattr(v, "logical_name", "")}
        )
loader = sys.modules.get("pydantic.plugin._loader")
scanned = loader is not None and loader._plugins is not None
built = sorted(
    f"{name.rpartition('.')[2]}:{k}"
    for name, mod in list(sys.modules.items()) if name.startswith("intentbid.schemas.") and mod is not None
    for k, v in vars(mod).items()
    if isinstance(v, type) and v.__module__ == name and getattr(v, "__pydantic_complete__", False)
)
print(json.dumps({"modules": sorted(sys.modules), "tables": tables, "plugin_scan": scanned, "built": built}))
"""


@cache
def loaded(function: str) -> tuple[frozenset[str], dict[str, list[str]]]:
    """(every module in sys.modules, {model module: [logical table names]}) after a cold load of ``function``."""
    env = cold_process_env(str(SHARED))
    proc = subprocess.run(
        [sys.executable, "-S", "-c", _PROBE, str(ROOT / "functions" / function / "app.py")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"functions/{function}/app.py failed to import:\n{proc.stderr[-3000:]}"
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    _scanned[function] = out["plugin_scan"]
    _built[function] = out["built"]
    return frozenset(out["modules"]), out["tables"]


_scanned: dict[str, bool] = {}
_built: dict[str, list[str]] = {}


def imported(modules: frozenset[str], package: str) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


AUTHORIZER_FORBIDDEN = (
    "pydantic",
    "pydantic_core",
    "intentbid.schemas",
    "intentbid.services",
    "intentbid.http",
    "intentbid.openapi",
    "intentbid.store.models.rfos",
    "intentbid.store.models.offers",
    "intentbid.store.models.accounts",
    "intentbid.store.models.outbox",
    "intentbid.store.models",
    "intentbid.adapters",
    "pynamodb",
    "botocore",
    "boto3",
    "aws_lambda_powertools",
    "aws_xray_sdk",
    "cryptography",
)

EVERY_FUNCTION_FORBIDDEN = ("aws_xray_sdk", "aws_lambda_powertools.event_handler", "boto3")
ENDPOINT_FORBIDDEN = ("aws_lambda_powertools", "cryptography", "intentbid.openapi", "intentbid.schemas.examples")
DOCUMENT_FUNCTIONS = {"openapi", "docs"}  # they serve the OpenAPI document (with its examples)


def test_every_route_has_a_function_folder() -> None:
    assert set(ENDPOINTS) <= set(FUNCTIONS)
    assert set(FUNCTIONS) <= set(ACCESS), "every function needs an ACCESS entry (its IAM)"


@pytest.mark.parametrize("package", AUTHORIZER_FORBIDDEN)
def test_authorizer_stays_lean(package: str) -> None:
    modules, _ = loaded("authorizer")
    assert imported(modules, package) == [], f"the authorizer imports {package}"


def test_authorizer_loads_no_table_model() -> None:
    _, tables = loaded("authorizer")
    assert tables == {}, "the authorizer reads its key with one botocore GetItem (intentbid.store.key_lookup)"


@pytest.mark.parametrize("function", ENDPOINTS)
def test_endpoints_load_no_powertools_nor_crypto_nor_the_document(function: str) -> None:
    modules, _ = loaded(function)
    for package in ENDPOINT_FORBIDDEN:
        if function in DOCUMENT_FUNCTIONS and package.startswith("intentbid."):
            continue
        assert imported(modules, package) == [], f"{function} imports {package}"


@pytest.mark.parametrize("function", ENDPOINTS)
def test_a_route_loads_the_secret_box_and_the_expiry_scheduler_only_if_it_declares_them(function: str) -> None:
    """``Route.secrets`` (it seals or opens webhook secrets) and ``Route.start_expiry`` (it starts the RFO expiry
    state machine) are also what IAM grants; a route without them (every read) must not pay for them."""
    route = BY_FUNCTION[function]
    modules, _ = loaded(function)
    if not route.secrets:
        assert imported(modules, "intentbid.adapters.secret_box") == [], f"{function} loads the secret box"
    if not route.start_expiry:
        assert imported(modules, "intentbid.adapters.expiry_scheduler") == [], f"{function} loads the scheduler"


@pytest.mark.parametrize("function", ENDPOINTS)
def test_only_the_routes_own_models_are_built_at_cold_start(function: str) -> None:
    """Schema models are ``defer_build``; ``api_handler`` builds the route's request, query and response models
    at cold start, and no other (e.g. every model of ``schemas.rfos`` for a route returning one ``Rfo``)."""
    route = BY_FUNCTION[function]
    loaded(function)
    own = sorted(ref for ref in (route.request, route.query, route.response) if ref)
    assert _built[function] == own


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_xray_sdk_nor_rest_resolver(function: str) -> None:
    modules, _ = loaded(function)
    for package in EVERY_FUNCTION_FORBIDDEN:
        assert imported(modules, package) == [], f"{function} imports {package}"


TABLELESS = [f for f in FUNCTIONS if not effective(f).tables]


@pytest.mark.parametrize("function", TABLELESS)
def test_a_function_without_tables_loads_no_dynamodb_client_stack(function: str) -> None:
    """A function that touches no table (``effective(function).tables`` empty: health, openapi, docs, ...) must
    not pay for PynamoDB and botocore at cold start - together ~100 ms, about half of a boto3 baseline
    (``bench/cold_imports.py``). Shared middleware that only some requests need (the rate-limit store) has to
    be imported where it is used, not at module top."""
    modules, _ = loaded(function)
    assert imported(modules, "pynamodb") == [], f"{function} loads PynamoDB"
    assert imported(modules, "botocore.client") == [], f"{function} loads botocore's client machinery"


def test_every_model_module_declares_one_table() -> None:
    """The mapping the test above relies on: one model module per table, each naming its logical table, and
    every table named in ACCESS exists."""
    import importlib
    import pkgutil

    import intentbid.store.models as models_pkg

    declared: dict[str, set[str]] = {}
    for info in pkgutil.iter_modules(models_pkg.__path__):
        mod = importlib.import_module(f"{models_pkg.__name__}.{info.name}")
        declared[info.name] = {
            str(getattr(v, "logical_name", ""))
            for v in vars(mod).values()
            if isinstance(v, type) and v.__module__ == mod.__name__ and bool(getattr(v, "logical_name", None))
        }
    assert all(len(names) == 1 for names in declared.values()), declared
    logical = set().union(*declared.values())
    for function, access in ACCESS.items():
        assert set(access.tables) <= logical, f"{function}: unknown table(s) {set(access.tables) - logical}"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_pydantic_plugin_scan(function: str) -> None:
    """Building the first model must not scan every distribution's entry points for pydantic plugins (we use
    none): ``intentbid/__init__.py`` sets ``PYDANTIC_DISABLE_PLUGINS`` before any of our modules loads pydantic."""
    loaded(function)
    assert _scanned[function] is False, f"{function} scanned importlib.metadata entry points for pydantic plugins"
