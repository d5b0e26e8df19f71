"""PATCH /v1/offers/{offer_id}: revise an active offer."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.offers import Offer, OfferRevise
from intentbid.services import offers


@api_handler("offer_revise")
def handler(req: Request) -> Offer:
    p, offer_id = req.require_principal(), req.path_params["offer_id"]
    body = req.body(OfferRevise, rules=lambda fields: offers.rule_errors(p, fields, offer_id=offer_id))
    return offers.revise(p, offer_id, body)
