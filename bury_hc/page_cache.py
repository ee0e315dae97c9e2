"""Pages whose body is kept in the cache: the overview and the highlight report.

The body (what a page puts in base.html's content block, minus anything about the person
reading it) is rendered once per version of the data it shows and kept as UTF-8 bytes. A
request whose body is in the cache renders only the page's frame (base.html: the navigation,
the account bar, messages, the CSP nonce, the CSRF token: each request's own) and joins the
cached bytes into it, so neither the body's template nor its decoding and re-encoding is paid
again. `bury_hc.versions` gives the versions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

if TYPE_CHECKING:  # what the mixin is mixed into, for the type checker only
    from django.views.generic import TemplateView as _ViewBase
else:
    _ViewBase = object

# Where the frame takes the body. Only the frame's template puts it there: everything a user
# can write is escaped, so no user's text can contain "<!--".
BODY_MARK = SafeString("<!--cached page body-->")


def body_cache_key(name: str, parts: Sequence[Any]) -> str:
    """The cache key of a page body: the page's name and what its body depends on."""
    return f"page-body:{name}:" + hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()


class CachedBodyMixin(_ViewBase):
    """A page whose `body_template_name` is rendered into the cache (as bytes) under
    `get_body_key_parts(context)` for `body_cache_seconds`, and joined into `template_name`
    (which extends base.html and puts `{{ page_body }}` where the body goes).

    `get_body_key_parts` must name everything the body depends on: the data's version, the
    address's parameters, and the reader's roles wherever the body differs by role. It returns
    None for a body that is not to be kept (rendered as usual, into the page)."""

    body_template_name: str
    body_cache_name: str
    body_cache_seconds: int

    def get_body_key_parts(self, context: dict[str, Any]) -> Sequence[Any] | None:
        raise NotImplementedError

    def render_to_response(self, context: dict[str, Any], **response_kwargs: Any) -> HttpResponse:
        parts = self.get_body_key_parts(context)
        key = body_cache_key(self.body_cache_name, parts) if parts is not None else None
        body = cache.get(key) if key else None
        if body is None:
            body = render_to_string(self.body_template_name, context, self.request).encode()
            if key:
                cache.set(key, body, self.body_cache_seconds)
        frame = render_to_string(
            self.get_template_names(), {**context, "page_body": BODY_MARK}, self.request
        )
        head, tail = frame.split(BODY_MARK, 1)
        return HttpResponse(head.encode() + body + tail.encode(), **response_kwargs)
