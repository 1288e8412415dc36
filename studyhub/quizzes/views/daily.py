"""The daily quiz (每日答题)."""
