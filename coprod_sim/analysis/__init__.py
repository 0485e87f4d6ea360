"""Turning runs into results: summaries, comparisons and costs."""
