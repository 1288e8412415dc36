"""Readings pages: comments."""
