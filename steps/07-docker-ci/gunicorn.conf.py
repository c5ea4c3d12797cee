"""Gunicorn settings for production, every one overridable from the environment.

Gunicorn reads this file at start (`gunicorn -c gunicorn.conf.py wsgi:app`): each module-level
name is a setting. Keeping them here rather than on the command line documents why each is set.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

# Gunicorn serves production. Started bare it reads no .env file, and the app would fall back
# to its development configuration; development is what `make run` asks for by name instead.
os.environ.setdefault("APP_CONFIG", "production")

# Inside a container the server must listen on every interface, or nothing outside reaches it;
# the container's network, not this address, decides who can connect.
# BEGIN TASK 07.4
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")

# (2 x cores) + 1 keeps the CPU busy while some workers wait on the database, capped at 8: past
# that, more workers mostly mean more database connections. os.cpu_count() sees the host's cores,
# not a container's CPU quota, so set WEB_CONCURRENCY in containers.
DEFAULT_WORKERS = min(2 * (os.cpu_count() or 1) + 1, 8)
workers = int(os.environ.get("WEB_CONCURRENCY", str(DEFAULT_WORKERS)))

# Threaded workers: a worker keeps serving while one of its threads waits on PostgreSQL, and an
# idle keep-alive connection does not hold a whole worker (the sync worker ignores keep-alive).
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))

# A worker silent for `timeout` seconds is killed and replaced; `graceful_timeout` is how long a
# worker may finish its requests on shutdown (keep it under the orchestrator's stop grace period).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "25"))
# Behind a load balancer, set this above the balancer's idle timeout to avoid 502s on reuse.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# END TASK

# Restart each worker after about a thousand requests: a slow memory leak can never grow far.
max_requests = 1000
max_requests_jitter = 100

# No preload: each worker builds the app after the fork. Preloading saves a little memory, but
# any connection the app opened while loading (database, Redis) would then be shared by every
# worker, which corrupts it. Nothing changes the schema at import either: migrations run once,
# as their own step, before the server starts (workers racing on create_all() would collide).
preload_app = False

# The workers' heartbeat files go to memory: a disk-backed /tmp can stall them on a busy host.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108

# Gunicorn 25+ opens a control socket in ~/.gunicorn/ by default; a container needs none, and
# two servers on one machine would fight over it.
control_socket_disable = True

# The app writes one JSON access line per request, with its request id; gunicorn's would repeat it.
accesslog = None

# Gunicorn's own lines (start, worker boot and timeout) in the app's JSON format, on stderr.
# The root logger stays without handlers here: each worker's app installs its own.
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "app.logging_setup.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"level": "INFO", "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        # A logging config switches gunicorn's access log on; silence it (see accesslog above).
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
    },
}
