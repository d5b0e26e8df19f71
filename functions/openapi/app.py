"""GET /v1/openapi.json: the OpenAPI document, generated from the route table and the models."""

from intentbid.http.api import Request, Response, api_handler
from intentbid.openapi import build_json


@api_handler("openapi")
def handler(req: Request) -> Response:
    return Response(body=build_json(), headers={"Cache-Control": "public, max-age=300"})
