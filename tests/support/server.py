"""Starts the real astropixel binary on 127.0.0.1 with an ephemeral port and captures its JSON logs."""
import json
import os
import pathlib
import signal
import subprocess
import threading
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(os.environ.get("ASTROPIXEL_BIN", ROOT / "build" / "release" / "astropixel"))


class Server:
    def __init__(self, data_dir, env=None, args=()):
        self.data_dir = pathlib.Path(data_dir)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DATA_DIR": str(self.data_dir),
            "PORT": "0",
            "WEB_ROOT": str(self.data_dir / "no-web-app"),
            "TEST_ROUTES": "true",
            "LOG_LEVEL": "debug",
            # Cheap argon2id keeps the suite fast; one test checks the production defaults.
            "ARGON2_OPSLIMIT": "1",
            "ARGON2_MEMLIMIT_MIB": "8",
            # Tests that want the demo dataset ask for it; the rest start from an empty catalogue.
            "DEMO_DATASET": "false",
        }
        self.env.update(env or {})
        self.args = list(args)
        self.proc = None
        self.port = None
        self.lines = []
        self._lock = threading.Lock()
        self._listening = threading.Event()

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self, timeout=60):
        # 60 s: a sanitizer build migrating a fresh PostgreSQL database on a loaded machine can take a
        # good part of the former 15; a server that ends at start is reported at once.
        self.proc = subprocess.Popen([str(BINARY), *self.args, "serve"], env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self._readers = [threading.Thread(target=self._read, args=(stream,), daemon=True)
                         for stream in (self.proc.stderr, self.proc.stdout)]
        for reader in self._readers:
            reader.start()
        deadline = time.time() + timeout
        while not self._listening.wait(0.05):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop(signal.SIGKILL)
                raise RuntimeError(f"server did not start (exit {self.proc.returncode}):\n" + "\n".join(self.lines))
        return self

    def _read(self, stream):
        for line in stream:
            line = line.rstrip("\n")
            with self._lock:
                self.lines.append(line)
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "listening":
                self.port = event["port"]
                self._listening.set()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # The process has ended, but its last lines (shutdown events, a sanitizer's report at exit)
        # may still be in the pipes: read them all before anyone looks at the log.
        for reader in getattr(self, "_readers", []):
            reader.join(10)
        return self.proc.returncode

    # -- helpers ---------------------------------------------------------------------------------
    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path):
        return self.base + path

    def get(self, path, **kw):
        kw.setdefault("timeout", 10)
        return requests.get(self.url(path), **kw)

    def request(self, method, path, **kw):
        kw.setdefault("timeout", 10)
        return requests.request(method, self.url(path), **kw)

    def events(self, name=None):
        with self._lock:
            lines = list(self.lines)
        out = []
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if name is None or event.get("event") == name:
                out.append(event)
        return out

    def raw_log(self):
        with self._lock:
            return "\n".join(self.lines)

    def wait_for_event(self, predicate, timeout=5):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for e in self.events():
                if predicate(e):
                    return e
            time.sleep(0.05)
        raise AssertionError("no matching log event; log was:\n" + self.raw_log())


def run_cli(*args, env=None, input=None, timeout=60):
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    full_env.update(env or {})
    return subprocess.run([str(BINARY), *args], env=full_env, capture_output=True, text=True, input=input,
                          timeout=timeout)
