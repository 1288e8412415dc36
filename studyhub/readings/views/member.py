"""Readings pages: member."""
