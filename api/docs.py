"""The API documentation pages (Swagger UI and Redoc) from drf-spectacular-sidecar's files in
our static files: no CDN, and no inline script (the Swagger set-up script is a separate
request), so they work under a Content-Security-Policy without 'unsafe-inline' scripts."""

from __future__ import annotations

from drf_spectacular.views import SpectacularSwaggerSplitView


class SwaggerView(SpectacularSwaggerSplitView):
    pass
