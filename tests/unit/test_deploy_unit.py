"""deploy/reciprocity.service, the systemd unit README.md's "Deploying" section shows: it
parses as INI, has what a production service needs, and runs a command app.py has."""

from __future__ import annotations

import configparser
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "reciprocity.service"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are cased
    parser.read_string(UNIT.read_text())
    return parser


def test_the_unit_file_has_the_keys_a_production_service_needs() -> None:
    parsed = unit()
    assert {"Unit", "Service", "Install"} <= set(parsed.sections())
    service = parsed["Service"]
    assert service["User"] and service["User"] != "root"
    assert service["EnvironmentFile"].startswith("/")
    assert service["Restart"] == "on-failure"
    environment = [
        line.strip()
        for line in UNIT.read_text().splitlines()
        if line.strip().startswith("Environment=")
    ]
    assert "Environment=TZ=UTC" in environment
    assert parsed["Install"]["WantedBy"] == "multi-user.target"


def test_its_exec_start_runs_app_py_serve() -> None:
    command = shlex.split(unit()["Service"]["ExecStart"])
    assert command[0].endswith("python") and command[0].startswith("/")
    assert Path(command[1]).name == "app.py" and command[2:] == ["serve"]
    shown = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr  # a subcommand app.py really has
