"""Reports: dashboards, quarterly scores (``scoring`` is pure) and exports.

It reads the other domains through their queries; the only tables it owns are
the score settings, manual adjustments, closed (frozen) quarters and export jobs.
"""
