"""Delivering outbox records: the daily post, the reveal, its explanation, the weekly board.

One rule for every send the bot makes on its own:
1. A record past its window is closed as missed, with a log line; never silently.
2. The record is leased (to this process, for `lease` seconds, renewed before each attempt); a record
   another living process holds is left alone.
3. If an earlier attempt's outcome is unknown (the record was already "sending": a crash, a timeout),
   the platform is asked first whether the message exists (`find`), and it is adopted if so.
4. The send repeats safely (Discord's nonce, Slack's metadata, edits re-applied). Only the platform's
   confirmation makes the record "sent"; a refusal for good makes it "failed"; after transient errors
   the record stays "sending" until its lease runs out and the reconciler tries again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.boards import weekly_board
from bot.core.content import QuestionBank
from bot.core.models import ChannelSettings, MessageRef, OutboxRecord, Post, Reply
from bot.core.ports import ChatPlatform, Clock, PlatformRefused, Store
from bot.core.views import Views

log = logging.getLogger(__name__)

LEASE_SECONDS = 60.0
RETRY_DELAYS = (5.0, 30.0, 120.0)  # seconds between attempts while the platform fails for a while
Sleep = Callable[[float], Awaitable[object]]


def this_machine() -> str:
    """Where this process's PID means something: the host name and, where the system shows it, the PID
    namespace: containers on the host's network share its host name, not its PIDs."""
    try:
        return f"{socket.gethostname()}/{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        return socket.gethostname()


def process_owner() -> str:
    """Who holds a lease: this process, distinct from every other (and from a restart of itself)."""
    return f"{this_machine()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def died(owner: str | None) -> bool:
    """A lease holder on this machine whose process is gone: its lease need not be waited out."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != this_machine() or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists (another user's): alive
        return False
    return False


def is_transient(exc: BaseException) -> bool:
    """Worth another try: a lost connection, a timeout, or a 5xx / 429 answer from the platform.

    ConnectionError and TimeoutError are OSErrors. An adapter can also mark its own error `transient`.
    """
    if isinstance(exc, OSError) or getattr(exc, "transient", False):
        return True
    if any(cls.__name__ == "ClientConnectionError" for cls in type(exc).__mro__):  # aiohttp's, not all OSErrors
        return True
    response = getattr(exc, "response", None)
    for status in (
        getattr(exc, "status", None),
        getattr(exc, "status_code", None),
        getattr(response, "status_code", None),
    ):
        if isinstance(status, int) and (status >= 500 or status == 429):
            return True
    return False


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def label(settings: ChannelSettings) -> str:
    return f"{settings.platform}:{settings.channel_id}"


class SendRate:
    """Scheduled sends spaced to the platform's limit, which belongs to the bot's token, not to a
    process: every process on the database takes its turn from one bucket kept in the store
    (`Store.send_slot`), `rate` sends a second with `burst` at once after a quiet spell
    (`[schedule] sends_per_second`, `send_burst`; rate 0: no limit). So N processes together send
    as fast as one may, and a fan-out never meets 429s."""

    def __init__(self, store: Store, clock: Clock, sleep: Sleep, rate: float, burst: int) -> None:
        self.store = store
        self.clock = clock
        self.sleep = sleep
        self.rate = rate
        self.burst = max(1, burst)

    async def take(self, platform: str) -> datetime | None:
        """The moment this send may start (None: no limit). Taken beside the send's lease, the two
        writes share one commit."""
        if self.rate <= 0:
            return None
        return await self.store.send_slot(platform, self.clock.now(), self.rate, self.burst)

    async def wait_until(self, slot: datetime | None) -> None:
        delay = 0.0 if slot is None else (slot - self.clock.now()).total_seconds()
        if delay > 0:
            await self.sleep(delay)

    async def wait(self, platform: str) -> None:
        await self.wait_until(await self.take(platform))


async def _nothing() -> None:
    return None


@dataclass(frozen=True, slots=True)
class Outcome:
    state: str  # "sent" | "adopted" | "missed" | "failed" | "busy" | "unknown" | "gone" | "waiting"
    message_id: str | None = None


class Delivery:
    def __init__(
        self,
        *,
        store: Store,
        platform: ChatPlatform,
        views: Views,
        bank: QuestionBank,
        clock: Clock,
        owner: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
        sleep: Sleep = asyncio.sleep,
        sends_per_second: float = 0.0,
        send_burst: int = 1,
    ) -> None:
        self.store = store
        self.platform = platform
        self.views = views
        self.bank = bank
        self.clock = clock
        self.owner = owner or process_owner()
        self.lease = timedelta(seconds=lease_seconds)
        self.retry_delays = retry_delays
        self.sleep = sleep
        self.send_rate = SendRate(store, clock, sleep, sends_per_second, send_burst)

    async def deliver(self, record: OutboxRecord, settings: ChannelSettings) -> Outcome:
        """Bring one record to an end (or leave it to the reconciler when the platform keeps failing)."""
        what = f"the {record.kind} {record.key} of {label(settings)}"
        if self.clock.now() >= record.expires_at:
            await self.store.outbox_end(record.id, "missed", self.clock.now(), "past its window")
            log.warning("%s was never confirmed and its window closed at %s: missed", what, record.expires_at)
            return Outcome("missed")
        for attempt, delay in enumerate((*self.retry_delays, None), start=1):
            now = self.clock.now()
            current = await self.store.outbox_get(record.key)
            dead = current.lease_owner if current is not None and died(current.lease_owner) else None
            # The send's turn is taken beside its lease (one commit), unless another process holds it.
            held = current is not None and self._held_elsewhere(current, now) and dead is None
            before, slot = await asyncio.gather(
                self.store.outbox_lease(record.id, self.owner, now, now + self.lease, dead=dead),
                self.send_rate.take(settings.platform) if not held else _nothing(),
            )
            if before is None:
                return Outcome("busy")
            if dead:
                log.info("took over %s from %s, which is no longer running", record.key, dead)
            try:
                await self.send_rate.wait_until(slot)
                outcome = await self._attempt(before, settings)
            except PlatformRefused as exc:
                await self.store.outbox_end(record.id, "failed", self.clock.now(), str(exc))
                log.error("%s was refused by %s (%s): given up", what, settings.platform, exc.reason)
                return Outcome("failed")
            except asyncio.CancelledError:
                # Stopping: the outcome of the call cut short is unknown; the next start settles it.
                await asyncio.shield(self._leave_unknown(record, "stopped while sending"))
                raise
            except Exception as exc:
                if delay is None or not is_transient(exc):
                    await self._leave_unknown(record, describe(exc))
                    log.error(
                        "%s failed after %d attempt(s) (%s); the reconciler tries again until %s",
                        what,
                        attempt,
                        describe(exc),
                        record.expires_at.isoformat(),
                    )
                    return Outcome("unknown")
                log.warning("%s failed (%s); retrying in %.0f s", what, describe(exc), delay)
                await self.sleep(delay)
                continue
            if outcome.state in ("sent", "adopted") and outcome.message_id is not None:
                await self.store.outbox_sent(record.id, self.owner, outcome.message_id, self.clock.now())
            return outcome
        return Outcome("unknown")

    def _held_elsewhere(self, record: OutboxRecord, now: datetime) -> bool:
        return (
            record.state == "sending"
            and record.lease_owner not in (None, self.owner)
            and record.lease_until is not None
            and record.lease_until > now
        )

    async def _leave_unknown(self, record: OutboxRecord, error: str) -> None:
        """Keep the record "sending" (its outcome is unknown) but let the next attempt take it at once."""
        try:
            await self.store.outbox_unlease(record.id, self.owner, self.clock.now(), error, outcome_unknown=True)
        except Exception as exc:
            log.warning("could not hand %s back: %s", record.key, exc)

    # --- one attempt --------------------------------------------------------------------------

    async def _attempt(self, before: OutboxRecord, settings: ChannelSettings) -> Outcome:
        if before.kind == "board":
            return await self._board(before, settings)
        post = await self.store.get_post(before.post_id or 0)
        if post is None:
            await self.store.outbox_end(before.id, "failed", self.clock.now(), "its post is gone")
            return Outcome("gone")
        question = self.bank.questions.get(post.question_id)
        if question is None:
            await self.store.outbox_end(before.id, "failed", self.clock.now(), "its question left the bank")
            log.warning("%s: question %s is no longer in the bank", before.key, post.question_id)
            return Outcome("gone")
        lang = settings.language
        if before.kind == "post":
            # Before a first try no message exists that anyone could have answered: the count is 0.
            count = await self.store.answer_count(post.id) if before.attempts else 0
            return await self._post(before, settings, self.views.daily_post(question, post, count, lang))
        message = await self._post_message(post, settings)
        if message is None:
            posting = await self.store.outbox_get(f"post:{post.id}")
            if posting is not None and not posting.done:  # the post's own send is not settled yet: wait for it
                await self.store.outbox_unlease(before.id, self.owner, self.clock.now(), "its post is not settled yet")
                return Outcome("waiting")
            # The post never reached the channel: nothing to reveal under.
            await self.store.outbox_end(before.id, "failed", self.clock.now(), "its post was never confirmed")
            return Outcome("gone")
        if before.kind == "reveal":
            answers = await self.store.answers_to(post.id)
            await self.platform.edit(message, self.views.reveal(question, post, answers, lang))
            log.info("revealed the answer of %s for %s", label(settings), post.local_date)
            return Outcome("sent", message.message_id)
        reply = self.views.explanation(question, lang)
        if before.state == "sending":
            found = await self.platform.find(settings.ref, before.key, reply, parent=message)
            if found is not None:
                return Outcome("adopted", found)
        posted = await self.platform.post_in_thread(message, reply, key=before.key)
        return Outcome("sent", posted.message_id)

    async def _post_message(self, post: Post, settings: ChannelSettings) -> MessageRef | None:
        if post.message_id is not None:
            return MessageRef(settings.ref, post.message_id)
        record = await self.store.outbox_get(f"post:{post.id}")
        if record is not None and record.message_id is not None:
            return MessageRef(settings.ref, record.message_id)
        return None

    async def _post(self, before: OutboxRecord, settings: ChannelSettings, reply: Reply) -> Outcome:
        if before.state == "sending":
            found = await self.platform.find(settings.ref, before.key, reply)
            if found is not None:
                log.info(
                    "adopted %s in %s: it had reached the channel before the bot stopped", before.key, label(settings)
                )
                return Outcome("adopted", found)
        message = await self.platform.post(settings.ref, reply, key=before.key)
        log.info("posted %s in %s", before.key, label(settings))
        return Outcome("sent", message.message_id)

    async def _board(self, before: OutboxRecord, settings: ChannelSettings) -> Outcome:
        assert before.week_start is not None
        board = await weekly_board(self.store, self.views, settings, before.week_start)
        return await self._post(before, settings, board.reply)


def reveal_window(now: datetime) -> datetime:
    """A reveal (and its explanation) is applied however late the bot comes back, within a week."""
    return now + timedelta(days=7)


def board_window(due: datetime) -> datetime:
    """A weekly board is still worth posting for a day after its time."""
    return due + timedelta(hours=24)
