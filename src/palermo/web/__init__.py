"""Server-rendered pages on the same application as the API, calling the same functions."""

from palermo.web.app import create_app

__all__ = ["create_app"]
