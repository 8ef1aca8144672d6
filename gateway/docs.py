"""The API docs, /docs (Swagger UI) and /redoc (ReDoc), served with no network.

FastAPI's own docs pages load Swagger UI and ReDoc from a CDN and start Swagger UI with an
inline script. Here their bundles come from the `fastapi-offline` package (which ships
swagger-ui-dist's `swagger-ui-bundle.js` and `swagger-ui.css`, ReDoc's `redoc.standalone.js` and
FastAPI's favicon) and are served under DOCS_ASSETS, and Swagger UI is started by a script
file of our own that reads its settings from a JSON data block in the page. So both pages
work offline under a CSP of `script-src 'self'`, and /docs under `style-src 'self'` too
(gateway/security.py: SWAGGER_CSP, REDOC_CSP).

The API declares no OAuth2 scheme, so Swagger UI's OAuth2 redirect page is not served.
"""

from __future__ import annotations

import html
import json
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, swagger_ui_default_parameters
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from gateway.security import DOCS_ASSETS

SWAGGER_URL = "/docs"
REDOC_URL = "/redoc"
# fastapi-offline's bundled files: swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js, favicon.png.
ASSETS_DIR = Path(str(files("fastapi_offline") / "static"))
SWAGGER_INIT = "swagger-init.js"

# Starts Swagger UI. Its settings are in the page as a JSON data block, which is never run as
# script, so this file stays the same for every page and the CSP needs no inline script.
SWAGGER_INIT_JS = """\
'use strict';
(function () {
  var config = JSON.parse(document.getElementById('swagger-ui-config').textContent);
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  window.ui = SwaggerUIBundle(config);
})();
"""

SWAGGER_HTML = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" href="{assets}/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script id="swagger-ui-config" type="application/json">{config}</script>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/{init}"></script>
</body>
</html>
"""


def _json_for_html(value: object) -> str:
    """JSON that cannot end its <script> element early."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def install(app: FastAPI) -> None:
    """Adds /docs, /redoc and their assets to an app made with docs_url=None, redoc_url=None."""
    openapi_url = app.openapi_url
    if not openapi_url:
        return
    if not (ASSETS_DIR / "swagger-ui-bundle.js").is_file():  # pragma: no cover - a broken install
        raise RuntimeError(f"the Swagger UI assets are missing from {ASSETS_DIR}: reinstall fastapi-offline")

    def root(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    async def swagger_ui_html(request: Request) -> HTMLResponse:
        prefix = root(request)
        config = {"url": prefix + openapi_url, **swagger_ui_default_parameters, **(app.swagger_ui_parameters or {})}
        return HTMLResponse(
            SWAGGER_HTML.format(
                title=html.escape(f"{app.title} - Swagger UI"),
                assets=html.escape(prefix + DOCS_ASSETS),
                config=_json_for_html(config),
                init=SWAGGER_INIT,
            )
        )

    async def redoc_html(request: Request) -> HTMLResponse:
        prefix = root(request)
        return get_redoc_html(
            openapi_url=prefix + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{prefix}{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{prefix}{DOCS_ASSETS}/favicon.png",
            with_google_fonts=False,
        )

    async def swagger_init(request: Request) -> Response:
        return Response(SWAGGER_INIT_JS, media_type="text/javascript")

    app.add_route(SWAGGER_URL, swagger_ui_html, include_in_schema=False)
    app.add_route(REDOC_URL, redoc_html, include_in_schema=False)
    # Before the mount below, which would otherwise answer 404 for it.
    app.add_route(f"{DOCS_ASSETS}/{SWAGGER_INIT}", swagger_init, include_in_schema=False)
    app.mount(DOCS_ASSETS, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
