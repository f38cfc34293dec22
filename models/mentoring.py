"""Tables for the mentoring feature (filled in by its issue)."""
