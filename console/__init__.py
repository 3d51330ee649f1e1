"""The Flask console: agent desktop, supervisor and admin pages, and the /api they use."""

from console.app import create_app

__all__ = ["create_app"]
