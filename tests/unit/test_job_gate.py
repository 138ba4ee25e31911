"""The scheduler's gate: at most N jobs at once; the waiting ones let in in a shuffled order."""

from __future__ import annotations

import asyncio
import random

from bot.core.job_gate import ShuffledGate


async def run_through(gate: ShuffledGate, jobs: int) -> tuple[list[int], int]:
    order: list[int] = []
    running = most = 0

    async def job(n: int) -> None:
        nonlocal running, most
        async with gate:
            running += 1
            most = max(most, running)
            order.append(n)
            await asyncio.sleep(0)
            running -= 1

    await asyncio.gather(*(job(n) for n in range(jobs)))
    return order, most


async def test_no_more_than_its_size_run_at_once_and_every_job_runs_once():
    order, most = await run_through(ShuffledGate(4, random.Random(1)), 100)
    assert most == 4
    assert sorted(order) == list(range(100))


async def test_two_processes_let_their_waiting_jobs_in_in_different_orders():
    first, _ = await run_through(ShuffledGate(4, random.Random(1)), 100)
    second, _ = await run_through(ShuffledGate(4, random.Random(2)), 100)
    assert first[:4] == second[:4] == [0, 1, 2, 3]  # the first ones never wait
    assert first[4:] != second[4:] and first[4:] != sorted(first[4:])


async def test_a_job_cancelled_while_waiting_does_not_hold_a_place():
    gate = ShuffledGate(1, random.Random(1))
    release = asyncio.Event()
    ran: list[str] = []

    async def job(name: str, hold: bool = False) -> None:
        async with gate:
            ran.append(name)
            if hold:
                await release.wait()

    holder = asyncio.create_task(job("holder", hold=True))
    await asyncio.sleep(0)
    waiting = asyncio.create_task(job("cancelled"))
    later = asyncio.create_task(job("later"))
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(holder, later)
    assert ran == ["holder", "later"]
    async with gate:  # the place came back
        pass
