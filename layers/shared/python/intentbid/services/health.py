from __future__ import annotations

from intentbid.domain.errors import ServiceUnavailable
from intentbid.schemas.meta import Health


def ready() -> Health:
    """Ready when every table answers a DescribeTable (one call per table)."""
    from intentbid.store.base import registered_models
    from intentbid.store.tables import load_all_models

    load_all_models()

    checks: dict[str, str] = {}
    for model in registered_models():
        name = model.logical_name  # type: ignore[attr-defined]
        try:
            ok = model.exists()
        except Exception:
            ok = False
        checks[name] = "ok" if ok else "unavailable"
    if any(v != "ok" for v in checks.values()):
        raise ServiceUnavailable("Some tables are not reachable.", extra={"checks": checks})
    return Health(status="ok", checks=checks)
