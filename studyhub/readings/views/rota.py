"""Readings pages: rota."""
