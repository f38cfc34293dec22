"""When Slack says the app is gone from a workspace: forget its tokens, stop its scheduled
work, and keep or purge its records (`DATA_ON_UNINSTALL`); and when it is back.

Which events, and what each does:

- `app_uninstalled`: the workspace's tokens are forgotten and its work stops; with
  `DATA_ON_UNINSTALL=purge` every row of it is deleted. Sent for an org-wide install with
  only `enterprise_id`: then it is every workspace of that org, and the org's tokens.
- `tokens_revoked` naming a bot token: tokens forgotten and work stopped; records kept
  (Slack sends it alongside `app_uninstalled`, which decides about the records). Revoked
  user tokens alone change nothing: the bot acts with its bot token only.
- `team_access_revoked` (Enterprise Grid: the org-wide app removed from some of its
  workspaces): as `app_uninstalled`, for each workspace it names.
- `team_access_granted` (added to workspaces again): their work resumes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from bot import work
from bot.deps import Deps
from bot.services import workspace_data

log = logging.getLogger(__name__)


def received_at(deps: Deps) -> datetime:
    """When Slack sent what is running now: its queue row's time, else the clock's."""
    current = work.current()
    return current.since if current is not None and current.since else deps.clock()


def uninstall(
    deps: Deps,
    *,
    enterprise_id: str | None,
    team_ids: Iterable[str],
    purge: bool,
    at: datetime,
) -> list[str]:
    """Forget the tokens, then stop (or purge) the workspaces named, in one transaction; the
    workspaces it was about. Running it twice comes out the same."""
    named = sorted({t for t in team_ids if t})
    whose: list[str | None] = [*named] or [None]  # none named: the org-wide install's own
    for team_id in whose:
        deps.forget_tokens(enterprise_id, team_id)
    with deps.sessions.begin() as session:
        teams = workspace_data.workspaces_named(
            session=session, team_ids=named, enterprise_id=enterprise_id
        )
        if purge:
            for team_id in teams:
                workspace_data.purge_workspace(session=session, team_id=team_id)
        else:
            workspace_data.mark_uninstalled(
                session=session, team_ids=teams, at=at, defaults=deps.defaults
            )
    for team_id in teams:
        deps.enterprises_recorded.pop(team_id, None)
    log.info(
        "uninstalled from %s workspace(s); records %s",
        len(teams),
        "purged" if purge else "kept",
        extra={"team_id": ",".join(teams)[:200]},
    )
    return teams


def reinstall(deps: Deps, *, team_ids: Iterable[str]) -> int:
    """The app is in these workspaces again: their scheduled work resumes."""
    with deps.sessions.begin() as session:
        return workspace_data.mark_installed(session=session, team_ids=team_ids)
