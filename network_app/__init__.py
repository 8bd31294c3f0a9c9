"""Smallbatch: the Django project package (settings, URLs, Celery, graph engine, dashboard)."""

from network_app.celery import app as celery_app

__all__ = ["celery_app"]
