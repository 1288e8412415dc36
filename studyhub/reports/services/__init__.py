"""Reports services: score settings, live and frozen scores, adjustments and overrides,
closing quarters, exports and export jobs."""
