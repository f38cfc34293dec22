"""Which names are emoji: Slack's standard shortcodes from the `emoji` package, or a
workspace's own; and which names are one emoji."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import DomainError
from bot.services.workspaces import (
    WorkspaceDefaults,
    emoji_name,
    same_emoji,
    set_emoji,
    standard_emoji,
)
from models import Workspace


def workspace() -> Workspace:
    return Workspace(
        team_id="T0TEAM",
        kudos_daily_budget=5,
        thanks_emoji=["pray"],
        kudos_values=[],
        admin_user_ids=[],
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    "name",
    [
        *WorkspaceDefaults().thanks_emoji,
        "+1",
        "thumbsup",
        "tada",
        "100",
        "taco",
        "heart_eyes",
        "thinking_face",
        "white_check_mark",
        "sparkling_heart",
        "star-struck",  # Slack's hyphen
        "man-bowing",  # Slack's hyphen, the package's underscore
        "clap::skin-tone-4",
        ":Raised_Hands:",
    ],
)
def test_slacks_standard_names_are_emoji(name: str) -> None:
    assert standard_emoji(name) is not None


@pytest.mark.parametrize("name", ["prey", "partyparrot", "thankyou", "", "heart_", "skin-tone-2"])
def test_other_names_are_not_standard(name: str) -> None:
    assert standard_emoji(name) is None


def test_aliases_are_one_emoji_and_custom_ones_only_themselves() -> None:
    assert same_emoji("+1", "thumbsup")
    assert same_emoji("clap::skin-tone-2", "clap")
    assert not same_emoji("heart", "pray")
    assert same_emoji("partyparrot", ":partyparrot:")
    assert not same_emoji("partyparrot", "partyparot")
    assert emoji_name(":Clap::skin-tone-3:") == "clap"


def test_set_emoji_refuses_the_whole_change_naming_what_it_refused() -> None:
    chosen = workspace()
    with pytest.raises(DomainError) as refused:
        set_emoji(workspace=chosen, names=["clap", "prey", "nope"], custom=["taco_tuesday"])
    assert "`prey`, `nope` are not emoji" in refused.value.message
    assert "still :pray:" in refused.value.message
    assert chosen.thanks_emoji == ["pray"]
    assert set_emoji(workspace=chosen, names=["taco_tuesday", "clap"], custom=["taco_tuesday"]) == [
        "taco_tuesday",
        "clap",
    ]
    assert chosen.thanks_emoji == ["taco_tuesday", "clap"]
