"""The Jinja templates, one folder per domain.

A package only so that the installed distribution holds them as
``studyhub.templates`` (see setup.py); nothing here is imported as code.
"""
