"""Unknown query parameters are refused (400 ``unknown_parameter``), on every route of the table: a typo'd filter
(``GET /v1/rfos?stauts=OPEN``) used to be ignored and list everything. Derived from ``routes.ROUTES``: a new route
is covered without touching this file."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import create_rfo, register, rfo_body
from lambda_harness import invoke

from intentbid.http.api import query_parameters
from intentbid.routes import ROUTES, Route

pytestmark = pytest.mark.usefixtures("aws")

ADMIN = {"kind": "admin", "id": "adm_ops", "scopes": ["admin"], "key_id": "key_admin"}


@pytest.fixture
def principals() -> dict[str, dict[str, Any] | None]:
    return {"buyer": register("buyer"), "vendor": register("vendor"), "admin": ADMIN, "public": None}


def _call(route: Route, who: dict[str, dict[str, Any] | None], query: dict[str, str]) -> tuple[int, Any]:
    principal = who[route.kinds[0]]
    path = {p: "x_" + p for p in route.path_params}  # refused before any lookup: the ids need not exist
    if principal is not None and principal["kind"] != "admin":
        path.update({p: principal["id"] for p in route.path_params if p == f"{principal['kind']}_id"})
    status, headers, body = invoke(route.function, principal=principal, path=path, query=query)
    assert status == 400 and headers["Content-Type"] == "application/problem+json", (route.function, status, body)
    return status, body


def test_a_typo_d_parameter_is_refused_on_every_route_and_named(principals: dict[str, Any]) -> None:
    for route in ROUTES:
        accepted = query_parameters(route)
        _, body = _call(route, principals, {"stauts": "OPEN"})
        assert body["code"] == "unknown_parameter", (route.function, body)
        assert body["type"].endswith("/errors/unknown_parameter")
        assert [(fe["field"], fe["code"]) for fe in body["errors"]] == [("stauts", "unknown_parameter")]
        message = body["errors"][0]["message"]
        if accepted:
            assert f"accepts: {', '.join(accepted)}." in message, (route.function, message)
        else:
            assert "takes no query parameters" in message, (route.function, message)


def test_every_list_route_names_only_the_unknown_ones(principals: dict[str, Any]) -> None:
    listed = [r for r in ROUTES if r.query and "limit" in query_parameters(r)]
    assert len(listed) >= 8
    for route in listed:
        _, body = _call(route, principals, {"limit": "5", "zeta": "1", "stauts": "OPEN"})
        assert body["code"] == "unknown_parameter"
        assert [fe["field"] for fe in body["errors"]] == ["stauts", "zeta"], route.function
        assert "stauts, zeta" in body["detail"]


def test_the_rfo_list_filter_typo_no_longer_lists_everything(principals: dict[str, Any]) -> None:
    buyer = principals["buyer"]
    create_rfo(buyer)
    status, _, body = invoke("rfo_list", principal=buyer, query={"status": "OPEN"})
    assert status == 200 and len(body["data"]) == 1
    status, _, body = invoke("rfo_list", principal=buyer, query={"stauts": "CLOSED"})
    assert status == 400 and body["code"] == "unknown_parameter"
    assert body["errors"][0]["field"] == "stauts" and "status" in body["errors"][0]["message"]


def test_a_write_with_an_unknown_parameter_stores_nothing(principals: dict[str, Any]) -> None:
    buyer = principals["buyer"]
    status, _, body = invoke("rfo_create", principal=buyer, body=rfo_body(), query={"dry_run": "1"})
    assert status == 400 and body["code"] == "unknown_parameter"
    status, _, page = invoke("rfo_list", principal=buyer)
    assert status == 200 and page["data"] == []


def test_a_long_or_numerous_unknown_parameter_list_is_bounded(principals: dict[str, Any]) -> None:
    route = next(r for r in ROUTES if r.function == "rfo_list")
    query = {f"p{i:02d}": "1" for i in range(30)} | {"y" * 500: "1"}
    _, body = _call(route, principals, query)
    assert len(body["errors"]) == 20
    assert all(len(fe["field"]) <= 101 for fe in body["errors"])
