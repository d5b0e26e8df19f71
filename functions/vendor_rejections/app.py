"""GET /v1/vendors/{vendor_id}/rejections: the vendor's refused submissions and revisions, with reasons (per
environment: a key sees its own environment's; admins pick one with ``?environment=``)."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.antigaming import RejectionPage, RejectionQuery
from intentbid.services import antigaming


@api_handler("vendor_rejections")
def handler(req: Request) -> RejectionPage:
    q = req.query_as(RejectionQuery)
    return antigaming.vendor_rejections(req.require_principal(), req.path_params["vendor_id"], q)
