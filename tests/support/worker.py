"""Runs `astropixel worker` (jobs without HTTP) and collects its JSON log lines; shared by the
integration tests and the reliability report (tests/hardening)."""
import json
import os
import subprocess
import threading

from support.server import BINARY


class Worker:
    def __init__(self, env):
        self.lines = []
        full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LOG_LEVEL": "info", **env}
        self.proc = subprocess.Popen([str(BINARY), "worker"], env=full, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

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
