"""Statically, every DomainError an endpoint's own code can raise maps to a status its route declares.

From each endpoint function (``functions/<name>/app.py``, inside ``api_handler``) the scan follows calls into
``intentbid`` code - functions of the same module, of imported modules, decorators (``retry_on_conflict``) and the
methods of the ``Request`` it is handed - and collects every DomainError class constructed on the way, mapped to
its status by the one error map. The middleware's own refusals (key, scope, rate limit, body size, query) are
``Route.errors`` by derivation and proven on the running handlers by ``tests/integration/test_route_errors.py``;
this scan covers what the endpoint adds. It over-approximates (a service module's other branches count), so a
route may declare a status the scan does not see, never the other way round.

Always allowed besides the declared set: 500 (a bug) and 503 ``service_unavailable`` (the store could not finish a
write: a transaction cancelled for a reason other than a condition, or still contended after the retries).
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from collections.abc import Callable
from functools import cache
from types import ModuleType
from typing import Any

import pytest

from intentbid.domain.errors import DomainError, ServiceUnavailable
from intentbid.http import api
from intentbid.routes import ROUTES, Route
from intentbid_local.functions import FunctionLoader

ALWAYS = {500, 503}
LOADER = FunctionLoader()


@cache
def _tree(fn: Callable[..., Any]) -> ast.AST:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except OSError:  # generated code (a dataclass's __init__, __eq__, ...): it raises nothing of ours
        return ast.Module(body=[], type_ignores=[])


def _resolve(expr: ast.expr, module: ModuleType) -> Any:
    """The object a call's target names in ``module``'s globals (``f``, ``mod.f``, ``mod.sub.f``), else None."""
    if isinstance(expr, ast.Name):
        return vars(module).get(expr.id)
    if isinstance(expr, ast.Attribute):
        base = _resolve(expr.value, module)
        if isinstance(base, ModuleType) or inspect.isclass(base):
            return getattr(base, expr.attr, None)
    return None


def _callee(node: ast.AST, module: ModuleType, req: str | None) -> Any:
    """What a call (or ``raise NotFound``) in ``module`` targets; ``req.body(...)`` is the Request's own method."""
    if isinstance(node, ast.Call):
        target = node.func
    elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Name | ast.Attribute):
        target = node.exc
    else:
        return None
    obj = _resolve(target, module)
    on_request = isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == req
    if obj is None and req and on_request:
        obj = getattr(api.Request, target.attr, None)  # type: ignore[union-attr]
    return obj


def _ours(obj: Any) -> bool:
    return (inspect.isfunction(obj) or inspect.ismethod(obj)) and obj.__module__.startswith("intentbid")


def raised(entry: Callable[..., Any], request_param: str = "req") -> set[type[DomainError]]:
    """DomainError classes constructed by ``entry`` and everything of ours it calls (to a fixed point)."""
    found: set[type[DomainError]] = set()
    seen: set[Any] = set()
    todo: list[tuple[Callable[..., Any], str | None]] = [(entry, request_param)]
    while todo:
        fn, req = todo.pop()
        fn = inspect.unwrap(fn)
        if fn in seen:
            continue
        seen.add(fn)
        module = sys.modules[fn.__module__]
        tree = _tree(fn)
        if fn is inspect.unwrap(entry):  # the endpoint's own decorator is the middleware: not what it adds
            tree = ast.Module(body=[*getattr(tree, "body", [])[0].body], type_ignores=[])
        for node in ast.walk(tree):
            obj = _callee(node, module, req)
            if inspect.isclass(obj) and issubclass(obj, DomainError):
                found.add(obj)
            elif _ours(obj):
                todo.append((obj, "self" if obj.__qualname__.startswith("Request.") else None))
            elif inspect.isclass(obj) and obj.__module__.startswith("intentbid"):
                for member in vars(obj).values():  # a class of ours: what constructing and using it can raise
                    if inspect.isfunction(member):
                        todo.append((member, "self"))
    return found


def endpoint(route: Route) -> Callable[..., Any]:
    handler = LOADER.get(route.function)
    assert handler is not None, route.function
    fn: Callable[..., Any] = handler.__wrapped__  # type: ignore[attr-defined]
    return fn


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.function)
def test_what_the_endpoint_can_raise_is_declared_on_its_route(route: Route) -> None:
    errors = raised(endpoint(route))
    statuses = {cls.status: cls.__name__ for cls in errors}
    undeclared = {s: name for s, name in statuses.items() if s not in {*route.errors, *ALWAYS}}
    assert not undeclared, f"{route.function} can raise {undeclared}, which its route does not declare"


def test_the_scan_follows_services_decorators_and_the_request() -> None:
    """The scan is not blind: known raises deep in the call graph are found."""
    by_function = {r.function: r for r in ROUTES}
    award = raised(endpoint(by_function["rfo_award"]))
    assert {"Conflict", "NotFound", "ValidationFailed", "InvalidJson", "Unauthenticated"} <= {c.__name__ for c in award}
    assert ServiceUnavailable in award  # retry_on_conflict, a decorator of the service
    assert raised(endpoint(by_function["health"])) <= {ServiceUnavailable}
