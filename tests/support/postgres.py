"""A throwaway PostgreSQL cluster on 127.0.0.1, and fresh databases inside the one scripts/test.sh starts."""
import glob
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import uuid


def _bin():
    return sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]


def _as_postgres():
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="ap-pg-"))
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        subprocess.run([*_as_postgres(), f"{_bin()}/initdb", "-D", str(self.dir / "data"), "-U", "postgres",
                        "-A", "trust", "--no-sync"], check=True, capture_output=True)
        self.start()

    @property
    def url(self):
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self):
        subprocess.run([*_as_postgres(), f"{_bin()}/pg_ctl", "-D", str(self.dir / "data"), "-l",
                        str(self.dir / "server.log"), "-w", "-t", "30", "start", "-o",
                        f"-h 127.0.0.1 -p {self.port} -k /tmp -c fsync=off"], check=True, capture_output=True)

    def stop(self):
        subprocess.run([*_as_postgres(), f"{_bin()}/pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "stop"],
                       capture_output=True)

    def destroy(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def psql(url, sql):
    return subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-Atc", sql], check=True, capture_output=True,
                          text=True).stdout


def fresh_database(base_url):
    """Creates an empty database in the shared test cluster and returns its URL."""
    name = "ap_it_" + uuid.uuid4().hex[:10]
    psql(base_url, f"CREATE DATABASE {name}")
    return base_url.rsplit("/", 1)[0] + "/" + name
