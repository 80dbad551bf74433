"""The 20/15-minute guarantee audit: per-cell verdicts and aggregates."""
