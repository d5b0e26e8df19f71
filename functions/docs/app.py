"""GET /docs: human-readable docs of the same OpenAPI document."""

from intentbid.http.api import Request, Response, api_handler
from intentbid.openapi import docs_html


@api_handler("docs")
def handler(req: Request) -> Response:
    return Response(body=docs_html(), content_type="text/html; charset=utf-8")
