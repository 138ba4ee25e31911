"""The study tables on a real file: one open exam per member, compare-and-swap review cards."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.core.models import ChannelSettings, ReviewCard
from bot.store.sqlite import SqliteStore

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


async def test_exams_and_review_cards_survive_a_restart(tmp_path):
    path = tmp_path / "bot.db"
    store = await SqliteStore.open(path)
    channel = await store.save_channel(ChannelSettings("test", "T", "C1"))
    exam = await store.create_exam("test", "U1", channel.id, "saa", ["a", "b", "c"], NOW)
    assert exam is not None and exam.question_ids == ("a", "b", "c") and exam.status == "open"
    assert await store.create_exam("test", "U1", channel.id, "clf", ["x"], NOW) is None  # one open at a time
    assert await store.create_exam("test", "U2", channel.id, "clf", ["x"], NOW) is not None
    assert await store.record_exam_answer(exam.id, 0, "a", frozenset({1}), False, NOW)
    assert not await store.record_exam_answer(exam.id, 0, "a", frozenset({0}), True, NOW)  # first answer stays
    card = ReviewCard("test", "U1", "a", '{"x": 1}', NOW, misses=1)
    assert await store.save_review_card(card, NOW, None)
    assert not await store.save_review_card(card, NOW, None)
    await store.close()

    store = await SqliteStore.open(path)
    try:
        again = await store.open_exam("test", "U1")
        assert again == exam
        [answer] = await store.exam_answers(exam.id)
        assert (answer.position, answer.picked, answer.correct) == (0, frozenset({1}), False)
        assert await store.exam_history(channel.id, "U1") == []  # unfinished exams are not history
        assert await store.end_exam(exam.id, "finished", NOW)
        assert not await store.end_exam(exam.id, "abandoned", NOW)
        assert not await store.record_exam_answer(exam.id, 1, "b", frozenset({0}), True, NOW)  # closed
        assert [h[:2] for h in await store.exam_history(channel.id, "U1")] == [("a", False)]
        assert await store.create_exam("test", "U1", channel.id, "clf", ["x"], NOW) is not None

        [stored] = await store.review_cards("test", "U1")
        assert stored == card
        moved = replace(card, due=NOW + timedelta(days=3), reviews=1, fsrs='{"x": 2}')
        assert await store.save_review_card(moved, NOW, card)
        assert not await store.save_review_card(replace(card, misses=2), NOW, card)  # someone got there first
        assert await store.get_review_card("test", "U1", "a") == moved
    finally:
        await store.close()
