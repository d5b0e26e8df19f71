"""POST /v1/rfos/{rfo_id}/offers: a vendor submits an offer."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.offers import Offer, OfferCreate
from intentbid.services import offers


@api_handler("offer_submit")
def handler(req: Request) -> Offer:
    return offers.submit(req.require_principal(), req.path_params["rfo_id"], req.body(OfferCreate))
