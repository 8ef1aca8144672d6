"""The PostgreSQL launcher: a real server on a free port, as root too, that keeps its data
across a crash and a restart."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from chat_common.postgres_server import DATABASE, ROLE, PostgresServer, find_bin_dir, wheel_bin_dir

pytestmark = pytest.mark.skipif(find_bin_dir() is None, reason="no PostgreSQL binaries on this machine")


def sql(server: PostgresServer, statement: str) -> str:
    command = server._command(  # the same user and binaries the server runs with
        "psql", "-h", "127.0.0.1", "-p", str(server.port), "-U", ROLE, "-d", DATABASE, "-At", "-c", statement,
    )  # fmt: skip
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def test_a_cluster_starts_answers_and_keeps_its_data_across_a_crash(tmp_path: Path) -> None:
    server = PostgresServer(tmp_path / "pg").start()
    try:
        assert server.url == f"postgresql://chat@127.0.0.1:{server.port}/chat"
        sql(server, "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('kept')")
        server.kill()  # a crash: the next start replays the WAL
        server.start()
        assert sql(server, "SELECT body FROM notes") == "kept"
        server.restart()
        assert sql(server, "SELECT count(*) FROM notes") == "1"
    finally:
        server.stop()
    assert server.process is not None and server.process.poll() is not None


def test_two_servers_run_side_by_side_on_their_own_ports(tmp_path: Path) -> None:
    first, second = PostgresServer(tmp_path / "a").start(), PostgresServer(tmp_path / "b").start()
    try:
        assert first.port != second.port
        sql(first, "CREATE TABLE only_here (x int)")
        assert sql(second, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'") == "0"
    finally:
        first.stop()
        second.stop()


def test_the_binaries_of_the_pgserver_wheel_run_a_server_for_machines_without_postgresql(tmp_path: Path) -> None:
    bundled = wheel_bin_dir()
    assert bundled is not None, "pgserver is a declared dependency"
    server = PostgresServer(tmp_path / "pg", bin_dir=bundled).start()
    try:
        assert sql(server, "SHOW server_version").startswith("16.")
    finally:
        server.stop()
