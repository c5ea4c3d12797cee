"""The final app as ``wsgi.py`` builds it, with two changes the benchmark needs and nothing else.

Debug is off whatever the configuration says (the development configuration turns it on, and
production refuses SQLite). A request carrying ``X-Bench-Bust`` first starts a new catalogue
version, exactly as a write would, so the cached routes miss: that is the "uncached" row.
"""

from flask import request

from app import create_app
from app.caching import invalidate_catalog

BUST_HEADER = "X-Bench-Bust"

app = create_app()
app.debug = False


@app.before_request
def bust_the_cache() -> None:
    """Make this request miss the cache when it asks to."""
    if BUST_HEADER in request.headers:
        invalidate_catalog()
