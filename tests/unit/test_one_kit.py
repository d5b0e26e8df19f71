"""One kit for Lambda plumbing and test data (issue 10, item 4): the RFC 3339 spelling, the sample bodies, the
Lambda events and the function loader are each written once, in their home module; everything else (tests,
bench, demo, local runtime) imports them. This scans the tree's Python sources and fails on a second one:

- a function that formats or parses RFC 3339 itself (``strftime("%Y-%m-%dT...")``, ``isoformat()`` then
  ``.replace("+00:00", "Z")``, ``fromisoformat(x.replace("Z", ...))``): use ``intentbid_local.timefmt``;
- a dict literal with the shape of an RFO or offer body: use ``intentbid_local.testdata`` (override fields);
- a dict literal with the shape of an API Gateway proxy/authorizer event, an SQS record or a DynamoDB-stream
  record: use ``intentbid_local.harness`` / ``proxy_events`` / ``lambda_events``;
- loading a module by file path (``importlib.util.spec_from_file_location``): functions load through
  ``intentbid_local.functions``; bench modules import by name (pytest has ``bench`` on its path).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("tests", "bench", "local", "functions", "infra", "layers/shared/python", "tools")
KIT = "local/intentbid_local"

RFO_SHAPE = frozenset({"title", "category", "quantity", "budget_max", "need_by", "expires_at"})
OFFER_SHAPE = frozenset({"unit_price", "quantity_available", "availability_confirmed", "valid_until"})
EVENT_SHAPES = {
    "API Gateway event": frozenset({"httpMethod", "requestContext"}),
    "SQS record": frozenset({"messageId", "receiptHandle"}),
    "stream record": frozenset({"eventName", "dynamodb"}),
}
# Where each thing may be written: its one home.
HOMES = {
    "RFC 3339": {"layers/shared/python/intentbid/domain/clock.py", f"{KIT}/timefmt.py"},
    "RFO body": {f"{KIT}/testdata.py"},
    "offer body": {f"{KIT}/testdata.py"},
    "API Gateway event": {f"{KIT}/proxy_events.py", f"{KIT}/harness.py"},
    "SQS record": {f"{KIT}/lambda_events.py", f"{KIT}/harness.py"},
    "stream record": {f"{KIT}/lambda_events.py", f"{KIT}/harness.py"},
    "load by path": {f"{KIT}/functions.py"},
}
# Known exceptions, each with its reason.
ALLOWED = {
    # scoring's explain output spells every instant with microseconds (its golden files pin that spelling)
    ("RFC 3339", "layers/shared/python/intentbid/domain/scoring.py"),
    # the gateway's unit tests feed hand-made malformed results, partial events and GetRecords input on purpose
    ("API Gateway event", "tests/unit/test_local_gateway.py"),
    ("stream record", "tests/unit/test_local_gateway.py"),
    # the authorizer's unit tests drive it with the few fields it reads
    ("API Gateway event", "tests/unit/test_authorizer.py"),
    # the OpenAPI document's examples: one frozen 2099 scenario a reader sees, shipped in the layer (which cannot
    # import the local kit); tests/unit/test_openapi_examples.py checks them against the models instead
    ("RFO body", "layers/shared/python/intentbid/schemas/examples.py"),
    ("offer body", "layers/shared/python/intentbid/schemas/examples.py"),
    # this file names the shapes it looks for
    ("RFO body", "tests/unit/test_one_kit.py"),
}


def sources() -> Iterator[Path]:
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            if not {"node_modules", "cdk.out", "deps"} & set(path.parts):
                yield path


def _strings(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _formats_rfc3339(fn: ast.AST) -> bool:
    """Whether the function returns a spelling or parse of RFC 3339 it made itself (a helper, not a test that
    formats a value inline)."""
    returned = [n.value for n in ast.walk(fn) if isinstance(n, ast.Return) and n.value is not None]
    for node in (n for r in returned for n in ast.walk(r)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name = node.func.attr
        if name == "strftime" and any("%Y-%m-%dT" in s for s in _strings(node)):
            return True
        if name == "replace" and any(s in ("+00:00", "Z") for s in _strings(node)):
            inner = node.func.value
            if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "isoformat":
                return True
        if name == "fromisoformat" and any(
            isinstance(a, ast.Call) and isinstance(a.func, ast.Attribute) and a.func.attr == "replace"
            for a in node.args
        ):
            return True
    return False


def _loads_by_path(node: ast.AST) -> bool:
    """``spec_from_file_location`` of a function's ``app.py`` or a bench module."""
    if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "spec_from_file_location"):
        return False
    parts = {part for s in _strings(node) for part in s.replace("\\", "/").split("/")}
    return bool({"functions", "app.py", "bench"} & parts)


def _is_replace(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "replace"


def findings(path: Path) -> Iterator[tuple[str, str]]:
    """(what, where) for each thing in ``path`` that has a home elsewhere."""
    rel = path.relative_to(ROOT).as_posix()
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        where = f"{rel}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _formats_rfc3339(node):
            # a nested def is reported once, by its outermost function
            yield "RFC 3339", f"{where} {node.name}()"
        elif isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
            # a stored record (the store port's fields) carries its id; a request body never does
            if keys >= RFO_SHAPE and "id" not in keys:
                yield "RFO body", where
            if keys >= OFFER_SHAPE and "id" not in keys:
                yield "offer body", where
            for what, shape in EVENT_SHAPES.items():
                if shape <= keys:
                    yield what, where
        elif _loads_by_path(node):
            yield "load by path", where


def test_the_scan_sees_the_tree() -> None:
    files = list(sources())
    assert len(files) > 100
    assert ROOT / KIT / "testdata.py" in files and ROOT / "bench" / "loadtest" / "model.py" in files


def test_the_scan_would_see_each_kind_of_copy(tmp_path: Path) -> None:
    """Each rule fires on a typical copy (so the tree's pass below means something)."""
    copy = tmp_path / "copy.py"
    copy.write_text(
        "from datetime import UTC\n"
        "def iso(dt):\n    return dt.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')\n"
        "def iso2(dt):\n    return dt.isoformat().replace('+00:00', 'Z')\n"
        "def parse(v):\n    return datetime.fromisoformat(v.replace('Z', '+00:00'))\n"
        "RFO = {'title': 't', 'category': 'c', 'quantity': 1, 'budget_max': 1, 'need_by': 'x', 'expires_at': 'y'}\n"
        "OFFER = {'unit_price': 1, 'quantity_available': 1, 'availability_confirmed': True, 'valid_until': 'x'}\n"
        "EVENT = {'httpMethod': 'GET', 'requestContext': {}}\n"
        "SQS = {'messageId': 'm', 'receiptHandle': 'r'}\n"
        "STREAM = {'eventName': 'INSERT', 'dynamodb': {}}\n"
        "import importlib.util\nimportlib.util.spec_from_file_location('x', 'bench/load.py')\n"
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        kinds = [what for what, _ in findings(copy)]
    finally:
        ROOT = saved
    assert sorted(kinds) == sorted(
        ["RFC 3339"] * 3
        + ["RFO body", "offer body", "API Gateway event", "SQS record", "stream record", "load by path"]
    )


@pytest.mark.parametrize("path", list(sources()), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_nothing_of_the_kit_is_written_twice(path: Path) -> None:
    rel = path.relative_to(ROOT).as_posix()
    copies = [
        f"{what} at {where}: it has a home in {' / '.join(sorted(HOMES[what]))}"
        for what, where in findings(path)
        if rel not in HOMES[what] and (what, rel) not in ALLOWED
    ]
    assert not copies, "\n".join(copies)


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "events").glob("*.json")))
def test_each_sample_event_has_the_shape_the_kit_builds(name: str) -> None:
    """``events/*.json`` (``make invoke``'s samples) carry exactly the fields the local gateway's and pollers'
    builders produce, so the samples are the same events as the runtime's, not a third way of writing them."""
    from intentbid_local.events import kind_of, load_event
    from intentbid_local.lambda_events import sqs_record, stream_record
    from intentbid_local.proxy_events import HttpRequest, authorizer_event, proxy_event

    event = load_event(name)
    req = HttpRequest("GET", "/v1/health")
    built = {
        "apigw": lambda: proxy_event(req, "/v1/health", {}),
        "authorizer": lambda: authorizer_event(req, "/v1/health", {}),
        "sqs": lambda: sqs_record({"MessageId": "m", "ReceiptHandle": "r"}, "arn"),
        "stream": lambda: stream_record({}, "arn"),
    }
    kind = kind_of(event)
    sample = event["Records"][0] if kind in ("sqs", "stream") else event
    assert set(sample) == set(built[kind]())
