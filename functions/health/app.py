"""GET /v1/health: liveness (no dependencies touched)."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.meta import Health


@api_handler("health")
def handler(req: Request) -> Health:
    return Health(status="ok")
