"""Keeping ``make run``'s processes alive: a child that dies is started again, after a
backoff that grows while it keeps dying (1, 2, 4... up to 30 seconds) and starts over once
it has run for a minute; each death and restart is one line of the log."""

import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

BACKOFF_SECONDS = (1, 2, 4, 8, 15, 30)
STEADY_SECONDS = 60


@dataclass
class Child:
    name: str
    start: Callable[[], object]  # makes a new process (a Popen, or anything with poll/stop)
    alive: Callable[[object], bool] = lambda process: process.poll() is None
    stop: Callable[[object], None] = lambda process: process.send_signal(signal.SIGTERM)
    process: object = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None
    history: list[str] = field(default_factory=list)

    def launch(self) -> None:
        self.process = self.start()
        self.started_at = time.monotonic()
        self.restart_at = None


class Supervisor:
    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self.children: list[Child] = []

    def add(self, child: Child) -> Child:
        child.launch()
        self.children.append(child)
        return child

    def watch_once(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self.say(f"restarting {child.name}")
                    try:
                        child.launch()
                    except Exception as exc:  # noqa: BLE001 - said, and tried again later
                        self.say(f"{child.name} did not start ({exc.__class__.__name__}: {exc})")
                        self._schedule(child, now)
                continue
            if child.process is not None and not child.alive(child.process):
                ran = now - child.started_at
                child.failures = 0 if ran >= STEADY_SECONDS else child.failures + 1
                self._schedule(child, now, ran)

    def _schedule(self, child: Child, now: float, ran: float | None = None) -> None:
        wait = BACKOFF_SECONDS[min(child.failures, len(BACKOFF_SECONDS) - 1)]
        code = getattr(child.process, "returncode", None)
        ended = f" after {ran:.0f}s" if ran is not None else ""
        self.say(f"{child.name} stopped{ended} (exit code {code}); restarting in {wait}s")
        child.restart_at = now + wait

    def stop_all(self) -> None:
        for child in reversed(self.children):
            if child.process is not None and child.alive(child.process):
                child.stop(child.process)
        for child in reversed(self.children):
            wait = getattr(child.process, "wait", None)
            if wait is None:
                continue
            try:
                wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.process.kill()
