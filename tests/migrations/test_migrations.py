"""Migrations run up and down on this run's database, and agree with the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from bot.db import make_engine
from models import Base
from tests.conftest import fresh_database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def empty_engine(tmp_path: Path) -> Iterator[tuple[Config, Engine]]:
    with fresh_database_url(str(tmp_path)) as url:
        config = Config(str(ROOT / "alembic.ini"))
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        config.attributes["configure_logging"] = False
        engine = make_engine(url)
        yield config, engine
        engine.dispose()


def test_upgrade_to_head_matches_the_models_and_downgrades_to_base(empty_engine) -> None:
    config, engine = empty_engine
    command.upgrade(config, "head")
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())

    command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")  # and back up again, as a redeploy would
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_there_is_one_head() -> None:
    from alembic.script import ScriptDirectory

    config = Config(str(ROOT / "alembic.ini"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
