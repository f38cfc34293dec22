"""Setting departments in bulk from a CSV (`app.py departments import FILE`): all or nothing."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.services.people import Person, remember_members

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
MAX_DEPARTMENT = 100  # as the settings form allows


class DepartmentsFileError(ValueError):
    """The file can't be used; `problems` says what is wrong, line by line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Assignment:
    user_id: str
    department: str


def parse_departments(text: str) -> list[Assignment]:
    """Rows of a `user_id,department` CSV with that header; every bad row is reported."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != ["user_id", "department"]:
        raise DepartmentsFileError(
            ["line 1: the first line must be the header `user_id,department`"]
        )
    problems: list[str] = []
    rows: dict[str, Assignment] = {}
    for line, row in enumerate(reader, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != 2:
            problems.append(f"line {line}: expected 2 columns (user_id,department), got {len(row)}")
            continue
        user_id, department = row[0].strip().upper(), " ".join(row[1].split())
        if not USER_ID.match(user_id):
            problems.append(f"line {line}: {user_id[:40]!r} is not a Slack user id (U…)")
        elif not department:
            problems.append(f"line {line}: the department is empty")
        elif len(department) > MAX_DEPARTMENT:
            problems.append(
                f"line {line}: the department is longer than {MAX_DEPARTMENT} characters"
            )
        elif user_id in rows and rows[user_id].department != department:
            problems.append(f"line {line}: {user_id} is given two different departments")
        else:
            rows[user_id] = Assignment(user_id, department)
    if problems:
        raise DepartmentsFileError(problems)
    if not rows:
        raise DepartmentsFileError(["the file has no rows after the header"])
    return list(rows.values())


def set_departments(
    *, session: Session, team_id: str, assignments: list[Assignment], now: datetime
) -> int:
    """Set each person's department (creating their member row if needed); how many."""
    people = [Person(id=a.user_id, team_id=team_id) for a in assignments]
    members = remember_members(session=session, people=people, now=now, lock=people)
    for a in assignments:
        member = members[(team_id, a.user_id)]
        member.department = a.department
        member.updated_at = now
    return len(assignments)
