"""GET /v1/vendors/{vendor_id}/offers: a vendor's own offers and their standing."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.common import PageQuery
from intentbid.schemas.offers import OfferPage
from intentbid.services import offers


@api_handler("vendor_offers")
def handler(req: Request) -> OfferPage:
    return offers.list_for_vendor(req.require_principal(), req.path_params["vendor_id"], req.query_as(PageQuery))
