"""What the store's logic needs from a database engine, and the group-commit writer both engines share.

SQL is written once, with `?` placeholders and portable syntax (ON CONFLICT, RETURNING, CAST); an
engine translates placeholders and runs it. Every write is a job run by one writer task: all the
jobs waiting at that moment share one transaction and one commit (one fsync for a whole burst of
clicks), each in its own savepoint so that one refused job does not undo the others (a transaction
of one job needs none: its refusal rolls it all back). A job's caller is answered only after COMMIT,
so nothing is confirmed before it is durable.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol, TypeVar

from bot.core.ports import StoreError

log = logging.getLogger(__name__)

T = TypeVar("T")
Row = Any  # sqlite3.Row or asyncpg.Record: both index by position and by column name
CLOSE_SECONDS = 30.0  # how long close() waits for the writes already accepted
BATCH_ATTEMPTS = 3  # a batch the database ended for a conflict with another process runs again, this often


class Tx(Protocol):
    """One open transaction (or a plain connection for reads)."""

    lock: str  # " FOR UPDATE" where the engine locks rows it reads for writing, "" where it locks it all

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Rows changed."""
        ...

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    async def queue(self, sql: str, rows: Sequence[Sequence[Any]], *, distinct: bool = False) -> None:
        """`executemany` after the statements queued before it, without waiting for it: on PostgreSQL the
        server runs it while the job's Python prepares the next; SQLite runs the queued statements when the
        job's Python is done (its driver's thread would slow that Python down). Every other statement waits
        for the queued ones first, and so does the end of the job (`flush`).

        `distinct`, for an `INSERT ... VALUES (...) [ON CONFLICT ...]`: PostgreSQL runs it as one statement
        over arrays instead of one per row. So the rows must be distinct on the conflict target (a
        statement upserts a row once), and what a row's expressions read must not be written by another
        row of the same call (one statement reads the table as it was before it)."""
        ...

    async def flush(self) -> None:
        """Wait for the queued statements; the first one's error, if any, is raised."""
        ...

    async def settle(self) -> BaseException | None:
        """For a job that failed: wait for the queued statements already under way, whatever happens (those
        not started may never run: the job's savepoint is rolled back next); the first error, not raised."""
        ...


class Engine(Protocol):
    name: str
    path: str

    async def read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def write(self, work: Callable[[Tx], Awaitable[T]], *, order: tuple[Any, ...] | None = None) -> T:
        """Run `work` in the next write transaction; its result once committed. Jobs with an `order` run
        sorted by it, after the others: the rows several processes race for (claims of the same posts,
        the same reveals) are then locked in one order everywhere, so two batches cannot deadlock."""
        ...

    async def write_in(self, group: BatchGroup, item: Any) -> Any:
        """Run `item` with the other items of `group` waiting at that moment; its result once committed."""
        ...

    async def close(self) -> None: ...

    async def schema_version(self) -> int: ...

    async def integrity(self) -> str: ...


@dataclass(frozen=True)
class BatchGroup:
    """Jobs of one kind that run together, in one statement or a few, instead of one savepoint each
    (a burst of answers to the same post). `run(tx, items)` returns one result (or exception) per item.
    `last`: after every other job of the batch, for a row every process takes (the shared send rate), so
    that its lock is held only until the COMMIT."""

    name: str
    run: Callable[[Tx, list[Any]], Awaitable[list[Any]]]
    last: bool = False


@dataclass
class _Job:
    work: Any  # an item of a group, or a callable(tx) for a lone job
    future: asyncio.Future[Any] = field(repr=False)
    group: BatchGroup | None = None
    order: tuple[Any, ...] | None = None


class Writer:
    """The group-commit writer; an engine supplies the transaction statements and the connection."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._queue: asyncio.Queue[_Job | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self, begin: Callable[[], Awaitable[Tx]], end: Callable[[Tx, bool], Awaitable[None]]) -> None:
        """`begin()` opens a write transaction; `end(tx, commit)` commits or rolls it back."""
        self._begin, self._end = begin, end
        self._task = asyncio.create_task(self._loop(), name=f"studybot-{self.name}-writer")

    async def submit(self, work: Any, group: BatchGroup | None = None, order: tuple[Any, ...] | None = None) -> Any:
        if self._closing or self._task is None or self._task.done():
            raise StoreError("the database is closed")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Job(work, future, group, order))
        return await future

    async def close(self) -> None:
        """Let the accepted jobs finish (bounded); always returns."""
        if self._task is None or self._closing:
            return
        self._closing = True
        self._queue.put_nowait(None)
        try:
            await asyncio.wait_for(asyncio.shield(self._task), CLOSE_SECONDS)
        except TimeoutError:
            log.error("the %s writer did not finish in %.0f s; closing anyway", self.name, CLOSE_SECONDS)
            self._task.cancel()
        except Exception:
            log.exception("the %s writer ended with an error", self.name)
        self._fail_waiting(StoreError("the database was closed before this write"))

    def _fail_waiting(self, error: Exception) -> None:
        while not self._queue.empty():
            job = self._queue.get_nowait()
            if job is not None and not job.future.done():
                job.future.set_exception(error)

    async def _loop(self) -> None:
        while True:
            first = await self._queue.get()
            batch: list[_Job] = []
            stop = first is None
            if first is not None:
                batch.append(first)
            while not self._queue.empty():
                job = self._queue.get_nowait()
                if job is None:
                    stop = True
                else:
                    batch.append(job)
            if batch:
                await self._commit(batch)
            if stop:
                return

    async def _commit(self, batch: list[_Job]) -> None:
        results: list[tuple[asyncio.Future[Any], Any]] = []
        for attempt in range(1, BATCH_ATTEMPTS + 1):
            tx: Tx | None = None
            try:
                tx = await self._begin()
                results, commit = await self._run(tx, batch)
                await self._end(tx, commit)
                break
            except Exception as exc:  # nothing of the batch was committed
                if tx is not None:
                    try:
                        await self._end(tx, False)
                    except Exception as rollback_error:  # the writer must live on: later writes still come
                        log.error("the %s rollback failed too: %s", self.name, rollback_error)
                if conflict(exc) and len(batch) > 1:
                    # Another process's transaction and this one waited for each other (a deadlock: two
                    # batches taking the same rows in another order) and the database ended this one. Nobody
                    # was answered yet: the jobs run again, one transaction each, which cannot meet that way.
                    log.warning("a %s write batch of %d met another process's (%s); its jobs run again one by one",
                                self.name, len(batch), str(exc).splitlines()[0])  # fmt: skip
                    for job in batch:
                        await self._commit([job])
                    return
                if conflict(exc) and attempt < BATCH_ATTEMPTS:
                    continue
                log.error("a %s write batch of %d failed: %s", self.name, len(batch), exc)
                error = exc if isinstance(exc, StoreError) else StoreError(f"could not save to the database: {exc}")
                results = [(job.future, error) for job in batch]
                break
        for future, outcome in results:
            if future.done():
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    async def _run(self, tx: Tx, batch: list[_Job]) -> tuple[list[tuple[asyncio.Future[Any], Any]], bool]:
        """Every job's outcome, and whether to commit: not when the batch's one unit of work (a lone job or
        one group) was refused, since it ran without a savepoint."""
        results: list[tuple[asyncio.Future[Any], Any]] = []
        groups: dict[str, list[_Job]] = {}
        lone: list[_Job] = []
        for job in batch:
            if job.group is not None:
                groups.setdefault(job.group.name, []).append(job)
            else:
                lone.append(job)
        alone = len(lone) + len(groups) == 1
        refused = False
        # Jobs with an order after the others, sorted by it (the stable sort keeps the rest in arrival order).
        for job in sorted(lone, key=lambda job: (job.order is not None, job.order or ())):
            outcome, refused = await self._isolated(tx, partial(job.work, tx), alone)
            results.append((job.future, outcome))
        for jobs in sorted(groups.values(), key=lambda jobs: bool(jobs[0].group and jobs[0].group.last)):
            group = jobs[0].group
            assert group is not None
            outcome, refused = await self._isolated(tx, partial(group.run, tx, [j.work for j in jobs]), alone)
            if refused:
                results.extend((job.future, outcome) for job in jobs)
            else:
                results.extend(zip([job.future for job in jobs], outcome, strict=True))
        return results, not (alone and refused)

    async def _isolated(self, tx: Tx, work: Callable[[], Awaitable[Any]], alone: bool) -> tuple[Any, bool]:
        """Run `work` in a savepoint: a refused job is undone alone and its caller gets the error. (outcome,
        refused). `alone`: the batch's only unit of work, run without a savepoint (two statements fewer a
        commit); if it is refused, the caller rolls the whole transaction back instead."""
        if not alone:
            await tx.execute("SAVEPOINT job")
        try:
            try:
                result = await work()
                await tx.flush()
            except BaseException:
                await tx.settle()  # statements it queued end before the savepoint is rolled back
                raise
        except StoreError as exc:
            await self._undo(tx, alone)
            return exc, True
        except Exception as exc:
            if not refusal(exc):
                raise  # the database itself failed (disk full, I/O): the whole batch is rolled back
            await self._undo(tx, alone)
            return StoreError(f"could not save to the database: {exc}"), True
        if not alone:
            await tx.execute("RELEASE SAVEPOINT job")
        return result, False

    @staticmethod
    async def _undo(tx: Tx, alone: bool) -> None:
        if not alone:
            await tx.execute("ROLLBACK TO SAVEPOINT job")
            await tx.execute("RELEASE SAVEPOINT job")


def conflict(exc: BaseException) -> bool:
    """The database ended the transaction for another's sake (a deadlock, a serialization failure): the same
    work can simply run again. Not a refusal of one job: the whole transaction is gone."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"DeadlockDetectedError", "SerializationError"})


def refusal(exc: BaseException) -> bool:
    """A constraint the database enforced on one statement (unique, foreign key, check): that job alone fails."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"IntegrityError", "IntegrityConstraintViolationError"})
