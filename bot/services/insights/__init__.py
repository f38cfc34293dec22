"""Leadership insights: aggregates of what the bot records, never a person."""

from bot.services.insights.compute import compute_insights
from bot.services.insights.report import HEADLINE, TRENDED, Definition, Metric, Report

__all__ = ["HEADLINE", "TRENDED", "Definition", "Metric", "Report", "compute_insights"]
