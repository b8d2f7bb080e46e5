"""Fidelity check with the real AWS SDK for Python: runs boto3_driver.py against a fresh emulator
with an interpreter that has boto3 (this one, or Debian's /usr/bin/python3 with python3-boto3).
Skips cleanly when no boto3 is installed."""

import os
import shutil
import subprocess
import sys
import unittest

from .harness import Emulator

DRIVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "boto3_driver.py")


def find_python():
    candidates = [sys.executable, "/usr/bin/python3", shutil.which("python3")]
    for py in candidates:
        if py and os.path.exists(py):
            r = subprocess.run([py, "-c", "import boto3"], capture_output=True)
            if r.returncode == 0:
                return py
    return None


PYTHON = find_python()


@unittest.skipIf(PYTHON is None, "boto3 not installed (Debian: apt-get install python3-boto3)")
class Boto3(unittest.TestCase):
    def test_sdk_drives_every_service(self):
        emu = Emulator("--async-delay-ms", "50").start()
        try:
            r = subprocess.run([PYTHON, DRIVER, str(emu.port)], capture_output=True, text=True,
                               timeout=120)
        finally:
            emu.stop()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("all operations OK", r.stdout)
