"""Workflows that touch Slack and the database, shared by handlers and jobs.

A flow takes `Deps` (and the WebClient to use), calls the services for rules and queries and
`bot.slack_api` for Slack, and never imports Bolt: handlers and scheduled jobs both call it.
"""
