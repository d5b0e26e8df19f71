"""GET /v1/rfos/{rfo_id}/offers: all offers for the buyer, only its own for a vendor."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.common import PageQuery
from intentbid.schemas.offers import OfferPage
from intentbid.services import offers


@api_handler("offer_list")
def handler(req: Request) -> OfferPage:
    return offers.list_for_rfo(req.require_principal(), req.path_params["rfo_id"], req.query_as(PageQuery))
