"""Django's CSRF check, with the one case a ``Referrer-Policy: no-referrer`` page needs.

Under ``no-referrer`` a browser posts the app's own forms with ``Origin: null`` (the Fetch
standard serialises the origin of a non-GET request as ``null`` under that policy), which
Django's stock check refuses.  This subclass accepts ``Origin: null`` as the app's own only when

* the browser says the request is ``Sec-Fetch-Site: same-origin`` (browsers set that header
  themselves; a page cannot), or
* the request came over plain http without any fetch metadata: browsers send it only to
  trustworthy origins (https, loopback), so a shop PC at ``http://shop-pc:8000`` gets none.

Everything else is Django's: the form's token must match the cookie (``SameSite=Lax``, so
another site's post does not even carry it), another site's ``Origin`` is refused, and over
https a ``null`` origin without ``same-origin`` metadata is refused.  It overrides Django's
``_origin_verified`` (stable from 4.0 to 5.2, the pinned LTS); ``tests/web/test_security.py``
fails if a Django upgrade changes it.
"""

from __future__ import annotations

from typing import Any

from django.middleware.csrf import CsrfViewMiddleware


class NoReferrerCsrfMiddleware(CsrfViewMiddleware):
    def _origin_verified(self, request: Any) -> bool:
        if request.META.get("HTTP_ORIGIN") == "null":
            site = request.META.get("HTTP_SEC_FETCH_SITE")
            if site is not None:
                return site == "same-origin"
            return not request.is_secure()
        return super()._origin_verified(request)
