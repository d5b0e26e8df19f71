from __future__ import annotations

from intentbid.domain import clock
from intentbid.domain.errors import ServiceUnavailable
from intentbid.schemas.meta import Health

CACHE_S = 5.0  # one instance asks the store at most once per this many seconds, whatever the traffic
_last: tuple[float, bool] | None = None  # (when, ok)


def _store_answers() -> bool:
    from intentbid.store import rfos

    return rfos.table_answers()


def ready() -> Health:
    """Ready when the store answers. Cheap and anonymous by design (the route is public and throttled per IP):
    at most one call per ``CACHE_S`` per instance, and the answer names no table."""
    global _last
    now = clock.now_s()
    if _last is None or not 0 <= now - _last[0] < CACHE_S:
        _last = (now, _store_answers())
    if not _last[1]:
        raise ServiceUnavailable("The store is not reachable.", extra={"checks": {"store": "unavailable"}})
    return Health(status="ok", checks={"store": "ok"})


def reset() -> None:
    """Forget the cached answer (tests)."""
    global _last
    _last = None
