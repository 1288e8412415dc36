"""Readings pages: library."""
