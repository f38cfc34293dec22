"""Tables for the rhythm feature (filled in by its issue)."""
