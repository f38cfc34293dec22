"""Every action_id, callback_id and block_id the bot uses, in one place."""

# Kudos
KUDOS_MODAL = "kudos_modal"
KUDOS_SHORTCUT = "kudos_for_message"
KUDOS_RECEIVERS_BLOCK = "kudos_receivers"
KUDOS_RECEIVERS_ACTION = "receivers"
KUDOS_REASON_BLOCK = "kudos_reason"
KUDOS_REASON_ACTION = "reason"
KUDOS_VALUE_BLOCK = "kudos_value"
KUDOS_VALUE_ACTION = "value"

# Help requests
HELP_MODAL = "help_modal"
HELP_SHORTCUT = "help_with_message"

# Feedback
FEEDBACK_SHORTCUT = "feedback_on_message"
