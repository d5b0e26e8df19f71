"""Every API call the dashboard makes is a route of the route table: ``dashboard/api.js`` is its only way to the
server, and each ``request(method, path, {...})`` there must name a route's method and path template (a typo'd
segment or method fails here, not in a browser), send a body only where the route takes one, a query only where
it declares one, and no key (``key: null``) exactly where the route is public.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from intentbid.routes import ROUTES, Route

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
API_JS = DASHBOARD / "api.js"

# request("GET", "/v1/rfos", {query}) or request("POST", `/v1/rfos/${seg(id)}/close`, {body})
CALL = re.compile(
    r"""\brequest\(\s*"(?P<method>[A-Z]+)"\s*,\s*(?P<q>["`])(?P<path>[^"`]*)(?P=q)\s*(?:,(?P<opts>[^)]*))?\)"""
)
# const owner = (me) => `/v1/${seg(me.kind)}s/${seg(me.id)}`;  (a path helper the calls interpolate)
HELPER = re.compile(r"const (?P<name>\w+) = \([^)]*\) => `(?P<template>[^`]*)`;")
PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True)
class Call:
    method: str
    template: str  # the path with helpers expanded, placeholders as ``${...}``
    options: str

    @property
    def pattern(self) -> re.Pattern[str]:
        """The path as a pattern over route paths: a placeholder is one segment's text (or part of it)."""
        parts = PLACEHOLDER.split(self.template)
        return re.compile("".join(re.escape(p) if i % 2 == 0 else "[^/]+" for i, p in enumerate(parts)))

    def routes(self) -> list[Route]:
        return [r for r in ROUTES if r.method == self.method and self.pattern.fullmatch(r.path)]


def calls(source: str) -> list[Call]:
    helpers = {m["name"]: m["template"] for m in HELPER.finditer(source)}

    def expand(template: str) -> str:
        for name, body in helpers.items():
            template = re.sub(r"\$\{" + name + r"\([^)]*\)\}", lambda _, body=body: body, template)
        return template

    return [Call(m["method"], expand(m["path"]), m["opts"] or "") for m in CALL.finditer(source)]


SOURCE = API_JS.read_text()
CALLS = calls(SOURCE)


def test_every_request_call_in_api_js_is_parsed() -> None:
    invocations = len(re.findall(r"\brequest\(", SOURCE)) - 1  # minus ``export async function request(``
    assert len(CALLS) == invocations >= 25, "a request(...) call this test cannot read: write it as the others"


@pytest.mark.parametrize("call", CALLS, ids=lambda c: f"{c.method} {c.template}")
def test_each_call_names_a_route_and_fits_it(call: Call) -> None:
    routes = call.routes()
    assert routes, f"{call.method} {call.template} is no route of intentbid/routes.py"
    for route in routes:
        sends_body = re.search(r"\bbody\b", call.options) is not None
        assert not sends_body or route.request, f"{route.function} takes no body"
        assert "query" not in call.options or route.query, f"{route.function} declares no query parameters"
        assert ("key: null" in call.options) == route.public, f"{route.function}: key: null iff the route is public"


def test_a_typo_in_a_call_matches_no_route() -> None:
    good = 'request("POST", `/v1/rfos/${seg(id)}/close`, {body})'
    assert [r.function for r in calls(good)[0].routes()] == ["rfo_close"]
    for typo in (
        'request("POST", `/v1/rfos/${seg(id)}/closed`, {body})',
        'request("PUT", `/v1/rfos/${seg(id)}/close`, {body})',
        'request("POST", `/v1/rfo/${seg(id)}/close`, {body})',
        'request("POST", "/v1/rfos/close", {body})',
    ):
        assert calls(typo)[0].routes() == [], typo


def test_no_other_dashboard_module_talks_to_the_server() -> None:
    """So every call goes through api.js and this test sees it."""
    for path in DASHBOARD.glob("*.js"):
        if path != API_JS:
            code = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("//"))
            assert not re.search(r"\bfetch\(|XMLHttpRequest|\brequest\(", code), path.name


@pytest.mark.parametrize("kind", ["vendor", "buyer"])
def test_the_webhooks_screen_offers_exactly_the_event_types_of_the_catalog(kind: str) -> None:
    from intentbid.domain.events import available_to

    source = (DASHBOARD / "webhooks.js").read_text()
    block = re.search(rf"\b{kind}: \[(?P<types>[^\]]*)\]", source)
    assert block, f"webhooks.js: EVENT_TYPES.{kind}"
    assert re.findall(r'"([a-z_.]+)"', block["types"]) == list(available_to(kind))
