"""Jinja2 templates of the service (the landing page)."""
