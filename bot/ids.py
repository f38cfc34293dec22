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
KUDOS_ALSO_ACTION = "kudos_also"  # "Also give kudos to @dave?" on the giver's confirmation

# Help requests
HELP_MODAL = "help_modal"
HELP_SHORTCUT = "help_with_message"
HELP_QUESTION_BLOCK = "help_question"
HELP_QUESTION_ACTION = "question"
HELP_DETAILS_BLOCK = "help_details"
HELP_DETAILS_ACTION = "details"
HELP_URGENCY_BLOCK = "help_urgency"
HELP_URGENCY_ACTION = "urgency"
HELP_TAGS_BLOCK = "help_tags"
HELP_TAGS_ACTION = "tags"
HELP_ACTIONS_BLOCK = "help_actions"
HELP_OFFER_ACTION = "help_offer"
HELP_RESOLVE_ACTION = "help_resolve"
HELP_REOPEN_ACTION = "help_reopen"
HELP_RESOLVE_MODAL = "help_resolve_modal"
HELP_HELPERS_BLOCK = "help_helpers"
HELP_HELPERS_ACTION = "helpers"
HELP_NOTE_BLOCK = "help_note"
HELP_NOTE_ACTION = "note"
HELP_REMINDER_ACTIONS_BLOCK = "help_reminder_actions"  # the buttons of a reminder DM
HELP_REMINDER_OFFER_ACTION = "help_reminder_offer"
HELP_REMINDER_OPEN_ACTION = "help_reminder_open"  # a URL button: Slack still sends the click
HELP_REMINDER_DECLINE_ACTION = "help_reminder_decline"

# Feedback
FEEDBACK_SHORTCUT = "feedback_on_message"
FEEDBACK_MODAL = "feedback_modal"
FEEDBACK_REQUEST_MODAL = "feedback_request_modal"
FEEDBACK_SITUATION_BLOCK = "feedback_situation"
FEEDBACK_BEHAVIOUR_BLOCK = "feedback_behaviour"
FEEDBACK_IMPACT_BLOCK = "feedback_impact"
FEEDBACK_SUGGESTION_BLOCK = "feedback_suggestion"
FEEDBACK_WENT_WELL_BLOCK = "feedback_went_well"
FEEDBACK_AS_WRITTEN_BLOCK = "feedback_as_written"
FEEDBACK_TEXT_ACTION = "text"
FEEDBACK_AS_WRITTEN_ACTION = "as_written"
FEEDBACK_REVIEWERS_BLOCK = "feedback_reviewers"
FEEDBACK_REVIEWERS_ACTION = "reviewers"
FEEDBACK_TOPIC_BLOCK = "feedback_topic"
FEEDBACK_TOPIC_ACTION = "topic"
FEEDBACK_ACTIONS_BLOCK = "feedback_actions"
FEEDBACK_GIVE_ACTION = "feedback_give"
FEEDBACK_DECLINE_ACTION = "feedback_decline"
FEEDBACK_OFFER_ACTION = "feedback_offer"
FEEDBACK_OFFER_DISMISS_ACTION = "feedback_offer_dismiss"

# Settings (your boundaries)
SETTINGS_MODAL = "settings_modal"
SETTINGS_OPEN_ACTION = "settings_open"  # a button anywhere (App Home) that opens the modal
SETTINGS_TZ_BLOCK = "settings_tz"
SETTINGS_START_BLOCK = "settings_start"
SETTINGS_END_BLOCK = "settings_end"
SETTINGS_DAYS_BLOCK = "settings_days"
SETTINGS_CAP_BLOCK = "settings_cap"
SETTINGS_DEPARTMENT_BLOCK = "settings_department"
SETTINGS_TOPICS_BLOCK = "settings_topics"
SETTINGS_OPT_OUTS_BLOCK = "settings_opt_outs"
SETTINGS_MENTIONS_BLOCK = "settings_mentions"
SETTINGS_VALUE_ACTION = "value"

# App Home
HOME_ACTIONS_BLOCK = "home_actions"
HOME_REFRESH_ACTION = "home_refresh"
HOME_FEEDBACK_BLOCK = "home_feedback"  # + _<request id>, one block per request
HOME_REQUEST_BLOCK = "home_request"  # + _<n>, one block per open request
HOME_OPEN_REQUEST_ACTION = "home_open_request"  # a link button to the card
HOME_MENTORING_BLOCK = "home_mentoring"
HOME_MENTOR_JOIN_ACTION = "home_mentor_join"  # value: mentor | mentee | circle
HOME_MENTOR_LEAVE_ACTION = "home_mentor_leave"

# Onboarding buddies
ONBOARDING_CHECKIN_BLOCK = "onboarding_checkin"
ONBOARDING_ALL_GOOD_ACTION = "onboarding_all_good"  # value: the check-in's working day
ONBOARDING_HAND_ACTION = "onboarding_hand"  # opens /askhelp's form, prefilled
ONBOARDING_INVITE_BLOCK = "onboarding_invite"
ONBOARDING_JOIN_MENTORING_ACTION = "onboarding_join_mentoring"
HELP_CHANNEL_BLOCK = "help_channel"  # the ask form's channel, when it was opened from a DM
HELP_CHANNEL_ACTION = "channel"
HOME_RECORD_BLOCK = "home_record"

# My contribution record
RECORD_ACTIONS_BLOCK = "record_actions"
RECORD_DOWNLOAD_ACTION = "record_download"  # value: {"p": period spec}
RECORD_SHARE_ACTION = "record_share"  # opens RECORD_SHARE_MODAL
RECORD_SHARE_MODAL = "record_share_modal"
RECORD_SHARE_BLOCK = "record_share_to"
RECORD_SHARE_USER_ACTION = "user"

# Stories worth retelling
STORY_SHORTCUT = "story_for_message"
STORY_MODAL = "story_modal"
STORY_WHY_BLOCK = "story_why"
STORY_WHY_ACTION = "why"
STORY_CONSENT_BLOCK = "story_consent"
STORY_YES_ACTION = "story_yes"  # value: the story's key
STORY_NO_ACTION = "story_no"

# Insights
INSIGHTS_ACTIONS_BLOCK = "insights_actions"
INSIGHTS_OPEN_ACTION = "insights_open"  # a URL button: Slack still sends the click
