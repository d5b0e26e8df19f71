"""GET /v1/admin/flags: suspicious-activity flags for ops."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.antigaming import FlagPage, FlagQuery
from intentbid.services import antigaming


@api_handler("admin_flags")
def handler(req: Request) -> FlagPage:
    return antigaming.list_flags(req.require_principal(), req.query_as(FlagQuery))
