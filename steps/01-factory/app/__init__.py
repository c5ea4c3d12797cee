"""The application factory: build a fresh, fully configured app on demand.

A factory instead of a module-level ``app`` lets tests create one app per test with its own
configuration, and keeps import order from ever mattering.
"""

from flask import Flask

from app.blueprints.books import books_bp
from app.blueprints.health import health_bp
from app.blueprints.index import index_bp
from app.config import load_config
from app.errors import register_error_handlers
from app.extensions import init_extensions
from app.ids import register_id_converter
from app.request_id import register_request_id
from app.services.books import init_book_store


def create_app(config_name: str | None = None) -> Flask:
    """Create the app for ``config_name`` (development, testing or production).

    Without a name, the ``APP_CONFIG`` environment variable decides, then ``development``.
    """
    app = Flask(__name__)
    app.config.from_object(load_config(config_name))
    init_extensions(app)
    init_book_store(app)
    register_request_id(app)
    register_id_converter(app)
    register_blueprints(app)
    register_error_handlers(app)
    return app


def register_blueprints(app: Flask) -> None:
    """Mount each domain's blueprint at its URL prefix."""
    # BEGIN TASK 01.1
    app.register_blueprint(health_bp)
    app.register_blueprint(index_bp, url_prefix="/api/v1")
    app.register_blueprint(books_bp, url_prefix="/api/v1/books")
    # END TASK
