"""GET /v1/vendors/{vendor_id}/rejections: the vendor's refused submissions and revisions, with reasons."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.antigaming import RejectionPage
from intentbid.schemas.common import PageQuery
from intentbid.services import antigaming


@api_handler("vendor_rejections")
def handler(req: Request) -> RejectionPage:
    return antigaming.vendor_rejections(req.require_principal(), req.path_params["vendor_id"], req.query_as(PageQuery))
