"""Tables for nudges and reminders (filled in by the boundaries work)."""
