"""The system under chaos: Valkey with an append-only file fsynced on every write, two daphne
processes, the timer worker, the delivery worker (/healthz wants both), and a database, each a process that can be killed, frozen and
started again where the others look for it (same port, same data)."""

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SLUG = "chaos"
TABLES = [("T1", 2), ("T2", 2), ("T3", 2), ("T4", 4), ("T5", 4), ("T6", 6)]
HOST_USER = "chaos-host"


class Process:
    """One process of the system, by name: SIGKILL, SIGSTOP/SIGCONT, start again."""

    def __init__(self, name: str, server) -> None:
        self.name, self.server = name, server
        self.frozen = False

    @property
    def pid(self) -> int | None:
        process = self.server.process
        return process.pid if process is not None and process.poll() is None else None

    def alive(self) -> bool:
        return self.pid is not None

    def kill(self) -> None:
        if self.frozen:
            self.thaw()
        self.server.process.kill()
        self.server.process.wait(10)

    def freeze(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        if self.pid is not None:
            os.kill(self.pid, signal.SIGCONT)
        self.frozen = False

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        if self.frozen:
            self.thaw()
        self.server.stop()


class System:
    """Starts everything in a directory of its own and sets this process's Django up against
    the same Valkey and database, to read the truth afterwards."""

    def __init__(self, directory: Path | None = None) -> None:
        self.dir = Path(directory or tempfile.mkdtemp(prefix="waitlist-chaos-"))
        self.processes: dict[str, Process] = {}
        self.host_password = secrets.token_urlsafe(12)

    # -- setup ------------------------------------------------------------------------------
    def start(self) -> "System":
        sys.path.insert(0, str(ROOT))
        from tests.support.redis_servers import Server

        valkey = Server(directory=self.dir / "valkey", config={
            "appendonly": "yes", "appendfsync": "always", "appenddirname": "appendonly",
            "maxmemory": "256mb", "maxmemory-policy": "noeviction"})
        valkey.start()
        self.processes["valkey"] = Process("valkey", valkey)
        env = {
            "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "HTTPS": "0",
            "SECRET_KEY": secrets.token_urlsafe(40), "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "REDIS_URL": valkey.url, "VAR_DIR": str(self.dir / "var"), "STATIC_ROOT": str(self.dir / "static"),
            "DATABASE_URL": os.environ.get("CHAOS_DATABASE_URL", f"sqlite:///{self.dir / 'db.sqlite3'}"),
            "LOG_LEVEL": "WARNING", "ACCESS_LOG_LEVEL": "WARNING",
            # Every diner comes from 127.0.0.1: the per-address ceiling would be the guest
            # Wi-Fi's. The per-browser limit stays as shipped.
            "JOIN_RATE_LIMIT": "0",
            "TIMER_POLL_SECONDS": "0.5", "WORKER_STALE_SECONDS": "10",
        }
        os.environ.update(env)
        for name in ("TEST_DB_SUFFIX", "REDIS_SENTINELS", "REDIS_CLUSTER", "CACHE_REDIS_URL"):
            os.environ.pop(name, None)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("collectstatic", "--noinput", verbosity=0)
        self._seed()
        self._start_apps()
        return self

    def _seed(self) -> None:
        from django.contrib.auth.models import User

        from restaurants.models import Restaurant, StaffMembership, Table, TableKind

        restaurant = Restaurant.objects.create(
            slug=SLUG, name="Chaos Kitchen", is_open=True, max_party_size=6, queue_strategy="first_fit",
            seating_policy="host", checkin_timeout_minutes=1, getting_close_threshold=2)
        for position, (label, seats) in enumerate(TABLES, start=1):
            Table.objects.create(restaurant=restaurant, label=label, seats=seats, kind=TableKind.TABLE,
                                 position=position)
        host = User.objects.create_user(HOST_USER, password=self.host_password)
        StaffMembership.objects.create(user=host, restaurant=restaurant)

    def _start_apps(self) -> None:
        from tests.support.redis_servers import AppServer, ManagedCommand

        for name in ("web-a", "web-b"):
            app = AppServer(**self._child_env())
            app.log = self.dir / f"{name}.log"
            app.start()
            self.processes[name] = Process(name, app)
        for name, command in (("timers", "run_timers"), ("notifier", "run_notifier")):
            worker = ManagedCommand(command, **self._child_env())
            worker.log = self.dir / f"{name}.log"
            worker.start()
            self.processes[name] = Process(name, worker)

    def _child_env(self) -> dict:
        keys = ("DEBUG", "HTTPS", "SECRET_KEY", "ALLOWED_HOSTS", "REDIS_URL", "VAR_DIR", "STATIC_ROOT",
                "DATABASE_URL", "LOG_LEVEL", "ACCESS_LOG_LEVEL", "JOIN_RATE_LIMIT", "TIMER_POLL_SECONDS",
                "WORKER_STALE_SECONDS")
        return {key: os.environ[key] for key in keys} | {"JOIN_BROWSER_LIMIT": "3/600"}

    # -- during and after -------------------------------------------------------------------
    @property
    def web_urls(self) -> list[str]:
        return [self.processes[name].server.url for name in ("web-a", "web-b")]

    def restaurant(self):
        from restaurants.models import Restaurant

        return Restaurant.objects.get(slug=SLUG)

    def restore(self) -> None:
        """Every process running and none frozen, as after the last fault was repaired."""
        for process in self.processes.values():
            if process.frozen:
                process.thaw()
            if not process.alive():
                process.start()

    def stop(self) -> None:
        for name in ("notifier", "timers", "web-b", "web-a", "valkey"):
            if name in self.processes:
                try:
                    self.processes[name].stop()
                except (OSError, subprocess.SubprocessError):
                    pass

    def wait_healthy(self, timeout: float = 60) -> dict[str, int]:
        """Each web process's /healthz status once all are 200 (or when ``timeout`` ends)."""
        import httpx

        deadline = time.monotonic() + timeout
        statuses: dict[str, int] = {}
        while time.monotonic() < deadline:
            for url in self.web_urls:
                try:
                    statuses[url] = httpx.get(f"{url}/healthz", timeout=3).status_code
                except httpx.HTTPError:
                    statuses[url] = 0
            if all(code == 200 for code in statuses.values()):
                break
            time.sleep(0.5)
        return statuses
