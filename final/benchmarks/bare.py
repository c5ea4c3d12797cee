"""The ceiling: a bare Flask app whose one route returns a constant JSON body.

The benchmark serves it with the same gunicorn settings as the real app, so the ratio of the two
is what the app's own work costs: routing, extensions, the database, serialisation.
"""

from flask import Flask

app = Flask(__name__)
BODY = {"status": "ok", "items": [], "page": 1}


@app.get("/")
def constant() -> dict[str, object]:
    """Answer the same small JSON object every time."""
    return BODY
