"""Readings: the library, the reading of the day, 党史今天, read receipts, lead readers, comments.

Bodies are written in Markdown and stored twice: the source, and HTML rendered
and sanitised once on save, so pages never render or sanitise per request.
"""
