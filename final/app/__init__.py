"""The application factory: build a fresh, fully configured app on demand.

A factory instead of a module-level ``app`` lets tests create one app per test with its own
configuration, and keeps import order from ever mattering.
"""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.blueprints.api_keys import api_keys_bp
from app.blueprints.auth import auth_bp
from app.blueprints.authors import authors_bp
from app.blueprints.books import books_bp
from app.blueprints.clients import clients_bp
from app.blueprints.docs import docs_bp, swagger_ui_bp
from app.blueprints.grants import grants_bp
from app.blueprints.health import health_bp
from app.blueprints.index import index_bp
from app.blueprints.loans import loans_bp
from app.blueprints.oauth import oauth_bp
from app.blueprints.users import users_bp
from app.blueprints.well_known import well_known_bp
from app.body_limit import ChunkedBodyLimit
from app.commands import register_commands
from app.config import load_config
from app.errors import register_error_handlers
from app.extensions import init_extensions
from app.ids import register_id_converter
from app.input_guard import register_input_guard
from app.logging_setup import configure_logging
from app.metrics import init_metrics
from app.request_id import register_request_id
from app.security_headers import register_security_headers
from app.services.oauth import init_oauth_server
from app.tokens import register_token_callbacks


def create_app(config_name: str | None = None) -> Flask:
    """Create the app for ``config_name`` (development, testing or production).

    Without a name, the ``APP_CONFIG`` environment variable decides, then ``development``.
    """
    app = Flask(__name__)
    app.config.from_object(load_config(config_name))
    configure_logging(app)
    # Trust X-Forwarded-For only from as many proxies as we know sit in front of us.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"])  # type: ignore[method-assign]
    app.wsgi_app = ChunkedBodyLimit(app.wsgi_app, app.config["MAX_CONTENT_LENGTH"])  # type: ignore[method-assign]
    init_extensions(app)
    register_token_callbacks(app)
    init_oauth_server(app)
    register_request_id(app)
    register_security_headers(app)
    register_input_guard(app)
    register_id_converter(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    init_metrics(app)
    return app


def register_blueprints(app: Flask) -> None:
    """Mount each domain's blueprint at its URL prefix."""
    app.register_blueprint(health_bp)
    app.register_blueprint(well_known_bp)
    app.register_blueprint(index_bp, url_prefix="/api/v1")
    app.register_blueprint(auth_bp, url_prefix="/api/v1/auth")
    app.register_blueprint(users_bp, url_prefix="/api/v1/users")
    app.register_blueprint(grants_bp, url_prefix="/api/v1/users/me/grants")
    app.register_blueprint(clients_bp, url_prefix="/api/v1/clients")
    app.register_blueprint(authors_bp, url_prefix="/api/v1/authors")
    app.register_blueprint(books_bp, url_prefix="/api/v1/books")
    app.register_blueprint(loans_bp, url_prefix="/api/v1/loans")
    app.register_blueprint(api_keys_bp, url_prefix="/api/v1/api-keys")
    app.register_blueprint(oauth_bp)
    app.register_blueprint(docs_bp)
    app.register_blueprint(swagger_ui_bp)
