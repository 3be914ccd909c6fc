"""RDB snapshots beside the append-only file: the embedded server writes them on its
thresholds, a restart with the append-only file off finds their data, and a snapshot can
be made a durable server's data again (`python -m config.launch restore-rdb`)."""

import os
import subprocess
import sys

import pytest

from tests.support.factories import make_restaurant
from tests.support.redis_servers import ROOT, wait_until
from waitlist import embedded_valkey, queue

pytestmark = pytest.mark.own_servers


def join(restaurant, name: str) -> None:
    queue.join(restaurant=restaurant, name=name, size=2, preference="table", diner=name, request_id=name)


def names(restaurant) -> list[str]:
    return [party.name for party in queue.snapshot(restaurant=restaurant).waiting]


def snapshot_taken(server) -> None:
    """Wait for the server's own periodic snapshot (none is asked for)."""
    client = server.server.client()
    wait_until(lambda: client.info("persistence")["rdb_changes_since_last_save"] == 0, 15, what="RDB snapshot")
    assert client.info("persistence")["rdb_last_bgsave_status"] == "ok"


def stop_without_saving(server) -> None:
    """SHUTDOWN NOSAVE: what is on disk afterwards was written by the periodic snapshot,
    not by the save a normal shutdown makes."""
    try:
        server.server.client().shutdown(nosave=True)
    except Exception:  # the server closes the connection as it exits
        pass
    wait_until(lambda: not server.server.is_running(), 10, what="server stopped")
    server.server.terminate()


def test_a_snapshot_is_written_on_its_threshold_and_restored_after_a_restart_without_aof(db, own_redis, tmp_path):
    directory = tmp_path / "valkey"
    server = own_redis(embedded_valkey.start(directory, save="1 1"))
    port = server.server.port
    restaurant = make_restaurant("bistro")
    join(restaurant, "Ada")
    join(restaurant, "Bo")
    snapshot_taken(server)
    stop_without_saving(server)
    assert (directory / embedded_valkey.RDB_FILE).stat().st_size > 0
    assert not (directory / "appendonly").exists() and not (directory / "appendonlydir").exists()

    own_redis(embedded_valkey.start(directory, save="1 1", port=port))
    assert names(restaurant) == ["Ada", "Bo"]


def test_a_snapshot_becomes_a_durable_servers_data_again_with_the_launcher(db, own_redis, tmp_path):
    """A durable server loads its append-only file and ignores an RDB file beside it: the
    launcher's restore-rdb moves the old file aside and writes a new one from the snapshot."""
    var = tmp_path / "var"
    server = own_redis(embedded_valkey.start(var / "valkey", durable=True, save="1 1"))
    restaurant = make_restaurant("bistro")
    join(restaurant, "Ada")
    snapshot_taken(server)
    backup = tmp_path / "backup.rdb"
    backup.write_bytes((var / "valkey" / embedded_valkey.RDB_FILE).read_bytes())
    join(restaurant, "Bo")  # after the snapshot: in the append-only file only
    server.stop()

    restored = subprocess.run([sys.executable, "-m", "config.launch", "restore-rdb", str(backup)], cwd=ROOT,
                              env={**os.environ, "VAR_DIR": str(var)}, capture_output=True, text=True, timeout=120)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert list(var.glob("valkey/appendonly.before-restore-*"))  # the previous files, kept

    own_redis(embedded_valkey.start(var / "valkey", durable=True, save="1 1"))
    assert names(restaurant) == ["Ada"]
