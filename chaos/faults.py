"""The monkey: one fault at a time, at random, to a random process of the system: SIGKILL
and a start again after a short outage, or SIGSTOP for a few seconds and SIGCONT."""

import asyncio
import random

from .actors import Journal
from .system import System


async def monkey(system: System, journal: Journal, stop: asyncio.Event, rng: random.Random) -> None:
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=rng.uniform(1.5, 5.0))
            return
        except TimeoutError:
            pass
        process = rng.choice(list(system.processes.values()))
        if rng.random() < 0.5:
            down = rng.uniform(0.2, 3.0)
            await asyncio.to_thread(process.kill)
            journal.say(f"SIGKILL {process.name}; starting it again in {down:.1f}s")
            await asyncio.sleep(down)
            await asyncio.to_thread(process.start)
            journal.say(f"{process.name} running again")
            journal.count(f"killed {process.name}")
        else:
            frozen = rng.uniform(0.5, 5.0)
            process.freeze()
            journal.say(f"SIGSTOP {process.name} for {frozen:.1f}s")
            await asyncio.sleep(frozen)
            process.thaw()
            journal.say(f"SIGCONT {process.name}")
            journal.count(f"froze {process.name}")
