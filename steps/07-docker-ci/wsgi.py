"""The WSGI entry point: ``flask --app wsgi run`` and gunicorn both import ``app`` from here."""

from app import create_app

app = create_app()
