"""POST /v1/rfos/{rfo_id}/offers: a vendor submits an offer."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.offers import Offer, OfferCreate
from intentbid.services import offers


@api_handler("offer_submit")
def handler(req: Request) -> Offer:
    p, rfo_id = req.require_principal(), req.path_params["rfo_id"]
    body = req.body(OfferCreate, rules=lambda fields: offers.rule_errors(p, fields, rfo_id=rfo_id))
    return offers.submit(p, rfo_id, body)
