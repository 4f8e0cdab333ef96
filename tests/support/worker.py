"""Runs `astropixel worker` (jobs without HTTP) and collects its JSON log lines; shared by the
integration tests and the reliability report (tests/hardening)."""
import json
import os
import subprocess
import threading
import time

from support.server import BINARY


class Worker:
    def __init__(self, env):
        self.lines = []
        full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LOG_LEVEL": "info", **env}
        self.proc = subprocess.Popen([str(BINARY), "worker"], env=full, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self._wait_ready(60)

    def _wait_ready(self, timeout):
        """Returns once the worker logged `worker_starting`, i.e. blocked its stop signals: a SIGTERM sent
        earlier (during a sanitizer build's slow start) ends it by the default action, exit -15."""
        deadline = time.time() + timeout
        while not self.events("worker_starting"):
            if self.proc.poll() is not None:
                self.reader.join(5)
                raise AssertionError("the worker ended at start: " + "".join(self.lines))
            if time.time() > deadline:
                raise AssertionError("the worker did not start: " + "".join(self.lines))
            time.sleep(0.02)

    def wait(self, timeout):
        """The exit code, once every line the process wrote has been read (wait() alone returns
        when the process ends, possibly before the reader has taken its last lines)."""
        code = self.proc.wait(timeout)
        self.reader.join(timeout)
        return code

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line)

    def events(self, name):
        out = []
        for line in list(self.lines):
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("event") == name:
                out.append(e)
        return out
