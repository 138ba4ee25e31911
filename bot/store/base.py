"""The Store port over any engine: one implementation of every call, whose SQL both engines run."""

from __future__ import annotations

from bot.store.answers import Answers
from bot.store.boards import Boards
from bot.store.channels import Channels
from bot.store.engine import Engine
from bot.store.posts import Posts
from bot.store.sendrate import SendRates
from bot.store.study import Study

TABLES = (
    "channels",
    "users",
    "posts",
    "answers",
    "practice",
    "outbox",
    "board_totals",
    "member_tallies",
    "channel_tallies",
    "review_cards",
    "exams",
    "exam_answers",
    "reports",
)


class SqlStore(Channels, Posts, Answers, Boards, Study, SendRates):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._init_channels()
        self._init_posts()

    @property
    def path(self) -> str:
        return self.engine.path

    async def close(self) -> None:
        await self.engine.close()

    async def schema_version(self) -> int:
        return await self.engine.schema_version()

    async def health(self) -> dict[str, object]:
        counts = {}
        for table in TABLES:
            rows = await self.engine.read(f"SELECT COUNT(*) FROM {table}")
            counts[table] = int(rows[0][0])
        return {
            "engine": self.engine.name,
            "database": self.engine.path,
            "schema_version": await self.engine.schema_version(),
            "integrity": await self.engine.integrity(),
            "rows": counts,
        }
