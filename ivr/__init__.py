"""The app at the top: the web app's factory, the staff console, the `ivr` CLI and the worker
processes. It composes the packages below it (webhooks, hotline, dialer, runtime, models)."""

from .factory import create_app

__all__ = ["create_app"]
