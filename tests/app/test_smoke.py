from tests.conftest import Bot


def test_healthz_answers_when_the_database_is_up(bot: Bot) -> None:
    reply = bot.send.get("/healthz")
    assert reply.status == 200
    assert reply.json() == {"ok": True, "database": "up"}
