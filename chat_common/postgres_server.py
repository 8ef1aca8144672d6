"""Launches a real PostgreSQL server for the run command and the tests, like `redis_server`.

The suite starts one when no DATABASE_URL is given. The binaries (`initdb`,
`postgres`, `pg_isready`, `createdb`) come from PATH, else from the newest install under
/usr/lib/postgresql/*/bin (Debian and Ubuntu), else from the `pgserver` wheel (PostgreSQL 16,
a dependency, so a machine without PostgreSQL still runs the suite). The cluster lives in `data_dir`, listens on
127.0.0.1 only, with trust authentication for the `chat` role.

PostgreSQL refuses to run as root, and CI runs as root: then the cluster is owned and run by an
unprivileged system user (`postgres` when it exists, else `chatpg`, created with useradd), by way
of `setpriv`, which execs in place (so a kill reaches postgres itself) and sets the parent-death
signal again after the change of user, which clears it. Everything else is the same.
"""

from __future__ import annotations

import glob
import importlib.util
import logging
import os
import pwd
import shutil
import signal
import subprocess
from pathlib import Path

from chat_common.children import ChildServer, free_port, wait_ready, wrap

log = logging.getLogger("chat_common.postgres_server")

ROLE = "chat"
DATABASE = "chat"
SERVICE_USER = "chatpg"


def find_bin_dir() -> Path | None:
    """The folder with initdb and postgres, or None when this machine has no PostgreSQL."""
    found = shutil.which("initdb")
    if found and shutil.which("postgres"):
        return Path(os.path.realpath(found)).parent
    installs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(installs[-1]).parent if installs else wheel_bin_dir()


def wheel_bin_dir() -> Path | None:
    """The binaries the `pgserver` wheel ships, found without importing it (its import starts
    nothing, but pulls in psutil and friends for no use here)."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        return None
    bin_dir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return bin_dir if (bin_dir / "postgres").is_file() else None


def _run_as() -> pwd.struct_passwd | None:
    """The unprivileged user to run PostgreSQL as, when this process is root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", SERVICE_USER):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", SERVICE_USER], check=True, capture_output=True)
    return pwd.getpwnam(SERVICE_USER)


class PostgresServer(ChildServer):
    """A postgres child process on 127.0.0.1, its cluster in `data_dir`. A crash (`kill`) is
    recovered from the WAL at the next start; `stop` is a fast shutdown (SIGINT)."""

    stop_signal = signal.SIGINT
    stop_timeout_s = 15.0

    def __init__(self, data_dir: Path, port: int | None = None, bin_dir: Path | None = None) -> None:
        bin_dir = bin_dir or find_bin_dir()
        if bin_dir is None:
            raise RuntimeError("no PostgreSQL on this machine: install it (Debian: postgresql) or set DATABASE_URL")
        self.bin_dir = bin_dir
        self.data_dir = Path(data_dir).resolve()
        self.port = port or free_port()
        self.user = _run_as()
        super().__init__()

    @property
    def url(self) -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def cluster(self) -> Path:
        return self.data_dir / "cluster"

    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bin_dir / program), *args]
        if self.user is None:
            return command
        return [
            "setpriv", f"--reuid={self.user.pw_uid}", f"--regid={self.user.pw_gid}", "--init-groups",
            "--pdeathsig=TERM", "--", *command,
        ]  # fmt: skip

    def _own(self, path: Path) -> None:
        if self.user:
            for folder, _dirs, files in os.walk(path):
                os.chown(folder, self.user.pw_uid, self.user.pw_gid)
                for name in files:
                    os.chown(os.path.join(folder, name), self.user.pw_uid, self.user.pw_gid)

    def _let_through(self) -> None:
        """As root, the service user must be able to reach the data folder: folders above it
        that others cannot enter (a 0700 home or pytest's temp root) get o+x, enter only."""
        if self.user is None:
            return
        for folder in self.data_dir.parents:
            mode = folder.stat().st_mode
            if not mode & 0o001:
                os.chmod(folder, mode | 0o001)
                log.info("let %s enter %s (o+x) to reach %s", self.user.pw_name, folder, self.data_dir)

    def _init_cluster(self) -> None:
        if (self.cluster / "PG_VERSION").is_file():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._let_through()
        self._own(self.data_dir)
        args = ["-D", str(self.cluster), "-U", ROLE, "--auth=trust", "--encoding=UTF8", "--no-instructions"]
        subprocess.run(self._command("initdb", *args), check=True, capture_output=True)
        log.info("initialised a PostgreSQL cluster in %s", self.cluster)

    def start(self, timeout: float = 30.0) -> PostgresServer:
        self._init_cluster()
        server = self._command(
            "postgres", "-D", str(self.cluster), "-p", str(self.port),
            # TCP only: a Unix socket's path is limited to 107 bytes, which a deep data folder
            # (a test's temp path) exceeds, and every client here connects over TCP.
            "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
        )  # fmt: skip
        log_file = (self.data_dir / "postgres.log").open("ab")
        self.process = subprocess.Popen(wrap(server), stdout=log_file, stderr=log_file, start_new_session=True)
        log_file.close()
        wait_ready(self.process, self._answers, timeout, f"postgres on port {self.port}", f"; see {self.data_dir}/postgres.log")
        self._create_database()
        log.info("postgres started on port %d (data in %s)", self.port, self.cluster)
        return self

    def _answers(self) -> bool:
        probe = self._command("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), "-U", ROLE, "-d", "postgres")
        return subprocess.run(probe, capture_output=True).returncode == 0

    def _create_database(self) -> None:
        self.create_database(DATABASE)

    def create_database(self, name: str) -> str:
        """Creates database `name` (if missing) owned by the chat role; returns its URL. Tests
        give each test a database of its own this way, on one server."""
        create = self._command("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", ROLE, name)
        result = subprocess.run(create, capture_output=True, text=True)
        if result.returncode != 0 and "already exists" not in result.stderr:
            raise RuntimeError(f"createdb failed: {result.stderr.strip()}")
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{name}"
