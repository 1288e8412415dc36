"""Staff pages: item analysis of a quiz; secretaries' per-member statuses."""
