"""Headers every response carries: what the browser may use, and what it may keep."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class ResponseHeadersMiddleware:
    """Adds `Permissions-Policy` to every response, and keeps signed-in pages out of every
    cache: `Cache-Control: private, no-store` (figures, names and drafts must not linger in a
    shared proxy or in the browser's history after signing out). Static files are served by
    WhiteNoise before this runs, so they keep their long cache lifetimes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # max-age=0, no-cache, no-store, must-revalidate, private
            add_never_cache_headers(response)
        return response
