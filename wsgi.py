"""WSGI entry point for gunicorn: ``gunicorn -w 4 wsgi:app``.

It only builds the app; the scheduler runs as its own process (``studyhub scheduler``).
"""

from studyhub import create_app

app = create_app()
