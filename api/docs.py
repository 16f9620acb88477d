"""GET /v1/openapi.json and GET /docs: Swagger UI from the installed swagger_ui_bundle (no CDN)."""

from __future__ import annotations

from aiohttp import web
from swagger_ui_bundle import swagger_ui_path

from api.context import API_STATE
from api.openapi import as_openapi_30, openapi_document

STATIC = "/docs/static"
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Helpdesk API</title>
  <link rel="stylesheet" href="{static}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{static}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{static}/swagger-ui-bundle.js"></script>
  <script src="{static}/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: "/v1/openapi.json?version=3.0",
      dom_id: "#swagger-ui",
      deepLinking: true,
      persistAuthorization: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout"
    }});
  </script>
</body>
</html>
"""


async def openapi_json(request: web.Request) -> web.Response:
    document = openapi_document(list(request.app[API_STATE].operations.values()))
    # The bundled Swagger UI 4 renders only 3.0 documents; everyone else gets 3.1.
    if request.query.get("version") == "3.0":
        document = as_openapi_30(document)
    return web.json_response(document)


async def docs_page(request: web.Request) -> web.Response:
    return web.Response(text=PAGE.format(static=STATIC), content_type="text/html")


def setup_docs(app: web.Application) -> None:
    app.router.add_get("/v1/openapi.json", openapi_json, name="openapi")
    app.router.add_get("/docs", docs_page, name="docs")
    app.router.add_static(STATIC, str(swagger_ui_path), name="docs_static")
