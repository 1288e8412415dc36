"""The Alembic migrations (Flask-Migrate's folder).

A package only so that the installed distribution holds them as
``studyhub.migrations`` (see setup.py); Alembic loads ``env.py`` and
``versions/`` as files.
"""
