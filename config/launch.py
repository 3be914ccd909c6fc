"""How the app server starts, in one place.

``python -m config.launch`` (`make run`): everything a newcomer needs, in one process tree
that Ctrl-C stops: an embedded Valkey (AOF on, data in var/valkey) unless REDIS_URL is set,
the migrations, the demo restaurant, then the timer worker and daphne until interrupted.

``python -m config.launch web`` (the Dockerfile): migrate, collect the static files if the
image has not, then become daphne, listening on all interfaces; Redis and the database come
from the environment. With DEBUG off, `make run` collects the static files each start.
"""

import argparse
import base64
import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from config.supervisor import Child, Supervisor

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


def start_valkey(port: int | None = None):
    from waitlist import embedded_valkey

    data_dir = VAR_DIR / "valkey"
    save = os.getenv("REDIS_SAVE", embedded_valkey.DEFAULT_SAVE)
    server = embedded_valkey.start(data_dir, durable=True, appendfsync=os.getenv("REDIS_APPENDFSYNC", "everysec"),
                                   save=save, port=port, maxmemory=os.getenv("REDIS_MAXMEMORY", "512mb"))
    (data_dir / "url").write_text(server.url)
    snapshots = f", snapshots in {data_dir / embedded_valkey.RDB_FILE} ({save})" if save else ""
    say(f"embedded Valkey on {server.url} (append-only file in {data_dir / 'appendonly'}{snapshots})")
    return server


def restore_rdb(snapshot: Path | None) -> int:
    from waitlist import embedded_valkey

    if snapshot is None or not snapshot.is_file():
        say("restore-rdb needs the RDB file to restore: python -m config.launch restore-rdb path/to/dump.rdb")
        return 1
    aside = embedded_valkey.restore_rdb(VAR_DIR / "valkey", snapshot)
    say(f"restored {snapshot} into {VAR_DIR / 'valkey'}" + (f"; the previous append-only files are in {aside}"
                                                            if aside else ""))
    return 0


def demo_vapid_keys(env: dict) -> None:
    """Web push needs a VAPID key pair: made once for the demo and kept in var/ (production
    sets VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY)."""
    if env.get("VAPID_PRIVATE_KEY") and env.get("VAPID_PUBLIC_KEY"):
        return
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private_path, public_path = VAR_DIR / "vapid-private.pem", VAR_DIR / "vapid-public.txt"
    if not (private_path.exists() and public_path.exists()):
        key = ec.generate_private_key(ec.SECP256R1())
        private_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
        private_path.chmod(0o600)
        raw = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        public_path.write_text(base64.urlsafe_b64encode(raw).rstrip(b"=").decode())
        say(f"made a VAPID key pair for web push in {private_path.parent}")
    env["VAPID_PRIVATE_KEY"], env["VAPID_PUBLIC_KEY"] = str(private_path), public_path.read_text().strip()


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def debug_on(env: dict) -> bool:
    return env.get("DEBUG", "").strip().lower() in ("1", "true", "yes", "on")


def collect_static(env: dict, *, unless_collected: bool = False) -> None:
    """With DEBUG off, static files are served as collectstatic left them (hashed names,
    compressed twins: config/settings.py); with DEBUG on, from the source folders, so there
    is nothing to collect. ``unless_collected``: keep what is there (the Docker image
    collected at build)."""
    if debug_on(env):
        return
    root = Path(env.get("STATIC_ROOT") or VAR_DIR / "static")
    if unless_collected and (root / "staticfiles.json").exists():
        return
    say(f"collecting static files into {root}")
    manage("collectstatic", "--noinput", "-v", "0", env=env)


def web(host: str, port: int) -> int:
    """Migrate, then replace this process with daphne (signals reach daphne directly)."""
    manage("migrate", "--noinput", env=dict(os.environ))
    collect_static(dict(os.environ), unless_collected=True)
    command = daphne_command(host, port)
    os.execv(command[0], command)


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", nargs="?", choices=["run", "web", "restore-rdb"], default="run",
                        help="run: everything for a laptop (default); web: migrate and serve, for containers; "
                             "restore-rdb FILE: make an RDB snapshot the embedded Valkey's data (README)")
    parser.add_argument("file", nargs="?", type=Path, help="restore-rdb: the snapshot (var/valkey/dump.rdb...)")
    parser.add_argument("--port", type=int, default=int(os.getenv("PORT", "8000")))
    parser.add_argument("--host", default=os.getenv("HOST", "127.0.0.1"))
    options = parser.parse_args()
    if options.mode == "web":
        return web(options.host, options.port)

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    lock = open(VAR_DIR / "run.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        say("`make run` is already running from this folder; stop it first (Ctrl-C in its terminal).")
        return 1
    if options.mode == "restore-rdb":
        return restore_rdb(options.file)

    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env.setdefault("PYTHONUNBUFFERED", "1")
    # A terminal's Ctrl-C and a service manager's SIGTERM stop everything alike. SIGINT is
    # set too: a shell starts background jobs with it ignored, and `kill -INT` must still stop.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    supervisor = Supervisor(say)
    try:
        if not env.get("REDIS_URL") and not env.get("REDIS_SENTINELS"):
            valkey = supervisor.add(Child("embedded Valkey", start=start_valkey,
                                          alive=lambda server: server.server.is_running(),
                                          stop=lambda server: server.stop()))
            env["REDIS_URL"] = valkey.process.url
            port = valkey.process.server.port
            valkey.start = lambda: start_valkey(port)  # again on its port: the others look there
        else:
            say("using REDIS_URL / REDIS_SENTINELS from the environment")
        manage("migrate", "--noinput", "-v", "0", env=env)
        collect_static(env)
        manage("seed_demo", env=env)
        demo_vapid_keys(env)

        def spawn(*command: str):
            return lambda: subprocess.Popen(list(command), cwd=BASE_DIR, env=env)

        supervisor.add(Child("timer worker", spawn(sys.executable, "manage.py", "run_timers")))
        supervisor.add(Child("delivery worker", spawn(sys.executable, "manage.py", "run_notifier")))
        supervisor.add(Child("web server", spawn(*daphne_command(options.host, options.port))))
        base = f"http://{'localhost' if options.host in ('127.0.0.1', '0.0.0.0') else options.host}:{options.port}"
        say(f"diner page:      {base}/waitlist/demo/")
        say(f"host dashboard:  {base}/host/demo/")
        say(f"admin:           {base}/admin/")
        say("press Ctrl-C to stop everything")
        while True:
            supervisor.watch_once()
            time.sleep(0.5)
    except KeyboardInterrupt:
        say("stopping")
        return 0
    except subprocess.CalledProcessError as exc:
        say(f"setup step failed: {' '.join(exc.cmd[1:])}")
        return 1
    finally:
        supervisor.stop_all()
        (VAR_DIR / "valkey" / "url").unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
