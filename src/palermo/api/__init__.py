"""The JSON API (FastAPI, OpenAPI at /api/docs); an exchange node can run it without the web pages."""

from palermo.api.app import create_api

__all__ = ["create_api"]
