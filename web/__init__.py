"""The monitors' web page: overview, alert inbox, search with CSV export, hot topics, posts and corrections.

``create_app(settings, store=None)`` builds the Starlette application (``sheqing serve`` runs it with uvicorn).

    app.py        routes, login and logout, security headers, /healthz, create_app
    pages.py      request -> view -> template: session, user, CSRF, error pages, Jinja2 set-up
    auth.py       users file, scrypt password hashes, signed sessions, CSRF tokens, login throttling
    areas.py      a user's areas as store filters (Scope), area names resolved to administrative codes
    overview.py   counts today / this week / last week, trends, districts and streets, open alerts
    inbox.py      open and resolved alerts, one alert, acknowledge / resolve / reopen
    search.py     search form, paging, CSV export
    topics.py     hot topics by heat, one topic
    posts.py      one post with its labels, evidence, near-duplicates and topic; corrections
    charts.py     inline SVG chart geometry (drawn by templates/_charts.html)
"""

from .app import create_app

__all__ = ["create_app"]
