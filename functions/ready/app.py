"""GET /v1/ready: 200 when every table answers, else 503."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.meta import Health
from intentbid.services import health


@api_handler("ready")
def handler(req: Request) -> Health:
    return health.ready()
