"""The OpenAPI document's examples (``intentbid.schemas.examples``): every operation has a request example (when
it takes a body), a success example (unless it answers 204) and an error example; each is valid under its
pydantic model and under the document's own JSON Schema, and every error example is a problem the route can
answer (a catalog code with its status, at a status the operation documents). Ids are real ids, secrets real
key formats, and request dates lie in the far future (so the examples do not expire).

``tests/integration/test_openapi_examples_api.py`` sends the request examples to the real handlers."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from intentbid.domain import ids, keys
from intentbid.http import catalog
from intentbid.openapi import build, resolve
from intentbid.routes import ROUTES, Route
from intentbid.schemas.examples import EXAMPLES, Examples

DOC = build()
IDS = [r.function for r in ROUTES]
CATALOG = {entry.code: entry for entry in catalog.ENTRIES}
WITH_BODY = [r for r in ROUTES if r.request]
WITH_CONTENT = [r for r in ROUTES if r.status != 204]


def _op(route: Route) -> dict[str, Any]:
    op: dict[str, Any] = DOC["paths"][route.path][route.method.lower()]
    return op


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for ``schema`` whose ``#/components/...`` references resolve in this document."""
    return Draft202012Validator(
        {**schema, "components": DOC["components"]}, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def _errors(validator: Draft202012Validator, value: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(value)]


def _walk(node: Any, key: str = "") -> Any:
    """(key, value) of every value in ``node``, with the key of the dict holding it ("" in lists)."""
    yield key, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, "")


def _all(examples: Examples) -> list[Any]:
    return [examples.request, examples.success, *examples.errors]


def test_every_operation_has_examples_and_nothing_else_does() -> None:
    """A route added without examples (or examples left for a removed route) fails here."""
    assert set(EXAMPLES) == {r.function for r in ROUTES}


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_each_operation_has_the_examples_its_shape_needs(route: Route) -> None:
    examples = EXAMPLES[route.function]
    assert (examples.request is not None) == bool(route.request), "a request example exactly when it takes a body"
    if route.request:
        assert examples.summary, "say what the request example does"
    assert (examples.success is not None) == (route.status != 204), "a success example unless it answers 204"
    assert examples.errors, "at least one error example"


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_the_document_carries_the_examples(route: Route) -> None:
    op, examples = _op(route), EXAMPLES[route.function]
    if route.request:
        (named,) = op["requestBody"]["content"]["application/json"]["examples"].values()
        assert named["value"] == examples.request
    if route.status != 204:
        (media,) = op["responses"][str(route.status)]["content"].values()
        assert [e["value"] for e in media["examples"].values()] == [examples.success]
    documented = [
        e["value"]
        for status, response in op["responses"].items()
        if int(status) >= 400
        for e in response["content"]["application/problem+json"].get("examples", {}).values()
    ]
    assert sorted(map(json.dumps, documented)) == sorted(map(json.dumps, examples.errors))


@pytest.mark.parametrize("route", WITH_BODY, ids=[r.function for r in WITH_BODY])
def test_request_examples_are_valid_bodies(route: Route) -> None:
    """Valid for the server's own parser (the model, from JSON as a request arrives) and for the document's
    schema (what a client generator or schemathesis reads)."""
    body = EXAMPLES[route.function].request
    assert route.request is not None
    resolve(route.request).model_validate_json(json.dumps(body))
    schema = _op(route)["requestBody"]["content"]["application/json"]["schema"]
    assert _errors(_validator(schema), body) == []


@pytest.mark.parametrize("route", WITH_CONTENT, ids=[r.function for r in WITH_CONTENT])
def test_success_examples_are_valid_answers(route: Route) -> None:
    success = EXAMPLES[route.function].success
    if route.response:
        model = resolve(route.response)
        # what the handler would send: the model round-trips to exactly the example
        assert model.model_validate_json(json.dumps(success)).model_dump(mode="json") == success
    (media,) = _op(route)["responses"][str(route.status)]["content"].values()
    assert _errors(_validator(media["schema"]), success) == []


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_error_examples_are_problems_the_route_can_answer(route: Route) -> None:
    op = _op(route)
    problem_schema = _validator({"$ref": "#/components/schemas/Problem"})
    for body in EXAMPLES[route.function].errors:
        code, status = body["code"], body["status"]
        assert code in CATALOG, f"{code} is not in the error catalog"
        entry = CATALOG[code]
        # a field code as the top-level code is the single failure of a validation (a 400 validation_failed)
        assert (entry.status, entry.title) == (status, body["title"]), code
        assert body["type"] == f"/errors/{code}"
        assert str(status) in op["responses"], f"{route.function} does not document {status}"
        declared = set(route.errors) | {400, 500} | ({401, 403} if not route.public else set())
        assert status in declared, f"{route.function}: {status} is not one of its statuses"
        assert body["retryable"] == entry.retryable, code
        for item in body.get("errors", []):
            assert item["code"] in CATALOG, item
        if entry.field and code != "validation_failed":
            assert [item["code"] for item in body["errors"]] == [code], "a field code on top: the only failure"
        assert _errors(problem_schema, body) == []


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_error_example_names_are_unique_per_status(route: Route) -> None:
    seen = [(body["status"], body["code"]) for body in EXAMPLES[route.function].errors]
    assert len(seen) == len(set(seen))


ID_KEYS = re.compile(r"^(id|\w+_id)$")
ANY_ID = re.compile(r"\b(" + "|".join(sorted(ids.PREFIXES)) + r")_[0-9A-Z]+\b")  # not field names (rfo_id)
NON_IDS = {"request_id"}  # a request id is a UUID


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_ids_and_secrets_have_their_real_formats(route: Route) -> None:
    for key, value in (kv for example in _all(EXAMPLES[route.function]) for kv in _walk(example)):
        if not isinstance(value, str):
            continue
        if ID_KEYS.match(key) and key not in NON_IDS and value is not None:
            assert ids.is_id(value, value[:3]), f"{key}: {value} is not an id"
        for found in ANY_ID.finditer(value):
            assert ids.is_id(found.group(0), found.group(1)), found.group(0)
        if key == "api_key":
            assert keys.KEY_RE.match(value), value
    success = EXAMPLES[route.function].success
    if isinstance(success, dict) and isinstance(success.get("api_key"), str):
        assert success["key"]["last4"] == success["api_key"][-4:]


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


@pytest.mark.parametrize("route", WITH_BODY, ids=[r.function for r in WITH_BODY])
def test_request_dates_lie_in_the_far_future(route: Route) -> None:
    """The server refuses a past deadline, validity or expiry: the examples' dates are in 2099 (inside the
    accepted window, which ends 2100-01-01) so they stay accepted. ``admin_cooldown_set`` cannot (a cooldown
    ends at most 30 days ahead); schemathesis.toml accepts its 400."""
    for key, value in _walk(EXAMPLES[route.function].request):
        if isinstance(value, str) and RFC3339.match(value):
            at = datetime.fromisoformat(value)
            assert datetime(2099, 1, 1, tzinfo=UTC) <= at < datetime(2100, 1, 1, tzinfo=UTC), key
