"""The progress line: "drift: 12/40 done, 2 drifted, 1 failed" rewritten in place with \\r on
a terminal (stderr), silent when stderr is not a terminal or CI is set (CI=true / CI=1)."""

import os
import sys
import threading


def wanted(stream=None, env=None):
    stream = stream or sys.stderr
    env = os.environ if env is None else env
    if env.get("CI", "").lower() in ("true", "1", "yes"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    def __init__(self, total, enabled, stream=None):
        self.total = total
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.lock = threading.Lock()
        self.done = self.drifted = self.failed = 0
        self.width = 0

    def _draw(self):
        line = "drift: %d/%d done, %d drifted, %d failed" % (self.done, self.total,
                                                           self.drifted, self.failed)
        pad = " " * max(0, self.width - len(line))
        self.width = len(line)
        self.stream.write("\r" + line + pad)
        self.stream.flush()

    def start(self):
        if self.enabled:
            with self.lock:
                self._draw()

    def update(self, outcome):
        with self.lock:
            self.done += 1
            if outcome == "drift":
                self.drifted += 1
            elif outcome == "error":
                self.failed += 1
            if self.enabled:
                self._draw()

    def finish(self):
        if self.enabled:
            with self.lock:
                self.stream.write("\n")
                self.stream.flush()
