"""POST /v1/rfos/{rfo_id}/public-token: a read-only share link (the token is shown once)."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.rfos import PublicToken, PublicTokenCreate
from intentbid.services import public


@api_handler("public_token_create")
def handler(req: Request) -> PublicToken:
    return public.create_token(req.require_principal(), req.path_params["rfo_id"], req.body_or_empty(PublicTokenCreate))
