"""Tables for the help feature (filled in by its issue)."""
