"""The embedded PostgreSQL cluster: a throwaway server in a git-ignored folder, on its own port.

Used when DATABASE_URL is unset. Debian keeps the server binaries where
``pg_config --bindir`` says, not on PATH. Postgres refuses to run as root, so when
we are root the cluster belongs to the ``postgres`` system user and every server
command runs through ``runuser``.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from pgconveyor.core.config import (
    EMBEDDED_DBNAME,
    PROJECT_ROOT,
    ConfigError,
    embedded_port,
    embedded_url,
    embedded_user,
)


def _bindir() -> Path:
    env = os.environ.get("CONVEYOR_PG_BINDIR")
    if env:
        return Path(env)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    raise ConfigError(
        "PostgreSQL server binaries not found. Install them with: "
        "sudo apt-get install postgresql-15 postgresql-15-cron postgresql-15-pgtap"
    )


def _default_port(root: Path) -> int:
    return embedded_port(root)


def _postgres_can_reach(path: Path) -> bool:
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    probe = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(path)], check=False)
    return probe.returncode == 0


@dataclass
class Cluster:
    base: Path
    port: int

    @classmethod
    def default(cls) -> Cluster:
        env = os.environ.get("CONVEYOR_CLUSTER_DIR")
        if env:
            base = Path(env)
        elif os.geteuid() == 0 and not _postgres_can_reach(PROJECT_ROOT):
            # A checkout under a private folder (such as /root): the postgres user cannot
            # reach .conveyor/ there, so the cluster lives in a folder of its own instead.
            base = Path("/var/tmp") / f"pgconveyor-{hashlib.sha256(str(PROJECT_ROOT).encode()).hexdigest()[:10]}"
        else:
            base = PROJECT_ROOT / ".conveyor"
        port = embedded_port(PROJECT_ROOT)
        return cls(base=base.resolve(), port=port)

    @property
    def datadir(self) -> Path:
        return self.base / "pgdata"

    @property
    def sockdir(self) -> Path:
        return self.base / "run"

    @property
    def logfile(self) -> Path:
        return self.base / "postgres.log"

    @property
    def user(self) -> str:
        return embedded_user()

    def url(self, dbname: str = EMBEDDED_DBNAME) -> str:
        return embedded_url(dbname, self.port)

    # -- running server commands ------------------------------------------------

    def _run(self, args: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(a) for a in args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd="/")
        if check and result.returncode != 0:
            raise ConfigError(f"{Path(args[0]).name} failed: {(result.stderr or result.stdout).strip()}")
        return result

    def _prepare_dirs(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        self.sockdir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            pg = pwd.getpwnam("postgres")
            for path in (self.base, self.sockdir):
                os.chown(path, pg.pw_uid, pg.pw_gid)
            probe = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-w", str(self.base)], check=False)
            if probe.returncode != 0:
                raise ConfigError(
                    f"the postgres user cannot write to {self.base}; set CONVEYOR_CLUSTER_DIR "
                    "to a folder it can reach (for example /var/tmp/pgconveyor)"
                )

    def initialised(self) -> bool:
        return (self.datadir / "PG_VERSION").exists()

    def running(self) -> bool:
        if not self.initialised():
            return False
        result = self._run([_bindir() / "pg_ctl", "status", "-D", self.datadir], check=False)
        return result.returncode == 0

    def init(self) -> None:
        self._prepare_dirs()
        if self.initialised():
            return
        self._run(
            [
                _bindir() / "initdb",
                "-D",
                self.datadir,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "-U",
                self.user,
            ]
        )
        settings = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.sockdir}'",
            "shared_preload_libraries": "'pg_cron'",
            "cron.database_name": f"'{EMBEDDED_DBNAME}'",
            "cron.use_background_workers": "on",
            "max_worker_processes": "32",
            "max_connections": "300",
            "shared_buffers": "256MB",
            # Durable, as a real deployment would be; benchmarks depend on it.
            "synchronous_commit": "on",
            "fsync": "on",
            "log_min_messages": "warning",
            "log_min_error_statement": "panic",
            "log_line_prefix": "'%m [%p] %d '",
        }
        conf = self.datadir / "postgresql.conf"
        lines = "\n".join(f"{k} = {v}" for k, v in settings.items())
        conf.write_text(conf.read_text() + "\n# pgconveyor embedded cluster\n" + lines + "\n")

    def start(self) -> None:
        self.init()
        if self.running():
            return
        self._run(
            [
                _bindir() / "pg_ctl",
                "start",
                "-D",
                self.datadir,
                "-l",
                self.logfile,
                "-w",
                "-t",
                "60",
            ]
        )
        self._ensure_database()

    def _ensure_database(self) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
                    exists = conn.execute("select 1 from pg_database where datname = %s", (EMBEDDED_DBNAME,)).fetchone()
                    if not exists:
                        conn.execute(f'create database "{EMBEDDED_DBNAME}"')
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self, mode: str = "fast") -> None:
        if self.running():
            self._run([_bindir() / "pg_ctl", "stop", "-D", self.datadir, "-m", mode, "-w"])

    def restart(self) -> None:
        self._run([_bindir() / "pg_ctl", "restart", "-D", self.datadir, "-m", "fast", "-w", "-l", self.logfile])

    def status(self) -> str:
        if not self.initialised():
            return f"not initialised (would live in {self.datadir}, port {self.port})"
        if self.running():
            return f"running on port {self.port}, data in {self.datadir}"
        return f"stopped (data in {self.datadir}, port {self.port})"
