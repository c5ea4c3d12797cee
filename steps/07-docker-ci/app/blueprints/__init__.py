"""One blueprint package per domain; ``create_app`` mounts each at its URL prefix."""
