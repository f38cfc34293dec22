"""Tables for the feedback feature (filled in by its issue)."""
