"""Template context every page needs: the navigation and the user's roles."""

from django.http import HttpRequest

from bury_hc.roles import user_roles

NAVIGATION = (
    ("overview", "Overview", "overview"),
    ("programmes", "Programmes", "programmes:list"),
    ("performance", "Performance", "performance:highlights"),
    ("finance", "Finance", "finance:fund"),
    ("scrutiny", "Scrutiny", "scrutiny:committees"),
)


def navigation(request: HttpRequest) -> dict:
    match = getattr(request, "resolver_match", None)
    section = (match.namespace or match.url_name) if match else ""
    return {
        "navigation": [
            {"key": key, "label": label, "url_name": url_name, "current": key == section}
            for key, label, url_name in NAVIGATION
        ],
        "user_roles": sorted(user_roles(request.user)) if hasattr(request, "user") else [],
        "service_name": "Bury locality plan monitor",
        "partnership_name": "Bury Integrated Care Partnership",
    }
