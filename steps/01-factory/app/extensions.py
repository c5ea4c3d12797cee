"""The app's Flask extensions, created unbound here and bound to an app in ``init_extensions``.

Keeping them apart from the factory means any module can import an extension without importing
the app, which is what makes circular imports impossible.
"""

from flask import Flask
from flask_cors import CORS

cors = CORS()


def init_extensions(app: Flask) -> None:
    """Bind every extension to ``app``."""
    # Only the API is shared with browsers, and only with the origins the environment allows.
    # With none allowed, CORS would only inspect every response to add nothing: leave it out.
    if app.config["CORS_ORIGINS"]:
        cors.init_app(app, resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}})
