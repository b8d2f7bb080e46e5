"""Fault injection (rates, codes per service, seed reproducibility, stats), latency, the admin
surface, state-file restarts (including an expired session -> ExpiredToken), concurrency."""

import json
import os
import shutil
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

from .harness import NS, Emulator, EmulatorTest


def run_calls(emu, n):
    out = []
    for _ in range(n):
        st, h, doc = emu.org("ListRoots")
        out.append((st, doc.get("__type")))
    return out


class Faults(EmulatorTest):
    ARGS = ("--throttle-rate", "0.3", "--error-rate", "0.2", "--seed", "7")

    def test_rates_codes_and_stats(self):
        n = 400
        results = run_calls(self.emu, n)
        throttled = sum(1 for st, t in results if t == "TooManyRequestsException")
        errors = sum(1 for st, t in results if t == "ServiceException")
        ok = sum(1 for st, t in results if st == 200)
        self.assertEqual(throttled + errors + ok, n)
        # expected 0.3*n throttles and 0.7*0.2*n errors; allow ~4 standard deviations
        self.assertTrue(80 <= throttled <= 160, throttled)
        self.assertTrue(30 <= errors <= 90, errors)
        self.assertTrue(all(st == 400 for st, t in results if t == "TooManyRequestsException"))
        self.assertTrue(all(st == 500 for st, t in results if t == "ServiceException"))
        _, stats = self.emu.admin("GET", "/_localaws/stats")
        self.assertEqual(stats["faults"]["throttle"]["organizations"]["ListRoots"], throttled)
        self.assertEqual(stats["faults"]["error"]["organizations"]["ListRoots"], errors)
        self.assertGreaterEqual(stats["operations"]["organizations"]["ListRoots"], n)
        # each service's own throttling / transient codes
        seen = {}
        for _ in range(60):
            st, h, body = self.emu.query("iam", "ListRoles")
            if st != 200:
                ns = "{%s}" % NS["iam"]
                seen[ET.fromstring(body).find(ns + "Error/" + ns + "Code").text] = st
            st, h, doc = self.emu.eks("GET", "/clusters")
            if st != 200:
                seen[h["x-amzn-errortype"].split(":")[0]] = st
        self.assertEqual(seen.get("Throttling"), 400)
        self.assertEqual(seen.get("ServiceFailure"), 500)
        self.assertEqual(seen.get("ThrottlingException"), 429)
        self.assertEqual(seen.get("ServiceUnavailableException"), 503)
        # the admin surface is never faulted
        for _ in range(30):
            self.assertEqual(self.emu.admin("GET", "/_localaws/stats")[0], 200)

    def test_same_seed_same_sequence(self):
        a = Emulator("--throttle-rate", "0.5", "--seed", "42").start()
        b = Emulator("--throttle-rate", "0.5", "--seed", "42").start()
        try:
            self.assertEqual(run_calls(a, 40), run_calls(b, 40))
        finally:
            a.stop()
            b.stop()


class Admin(EmulatorTest):
    ARGS = ("--latency-ms", "50")

    def test_latency_state_reset(self):
        t = time.time()
        self.emu.org("ListRoots")
        self.assertGreaterEqual(time.time() - t, 0.05)
        acct = self.new_account()
        st, state = self.emu.admin("GET", "/_localaws/state")
        self.assertIn(acct, state["accounts"])
        st, _ = self.emu.admin("POST", "/_localaws/reset")
        self.assertEqual(st, 200)
        _, state = self.emu.admin("GET", "/_localaws/state")
        self.assertNotIn(acct, state["accounts"])
        _, stats = self.emu.admin("GET", "/_localaws/stats")
        self.assertEqual(stats["requests"], 0)

    def test_concurrent_requests(self):
        errors = []

        def worker(i):
            try:
                for j in range(5):
                    st, _, _ = self.emu.org("CreateOrganizationalUnit", {
                        "ParentId": self.root(), "Name": "ou-%d-%d" % (i, j)})
                    if st != 200:
                        errors.append(st)
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        _, _, doc = self.emu.org("ListOrganizationalUnitsForParent", {"ParentId": self.root()})
        names, token = [o["Name"] for o in doc["OrganizationalUnits"]], doc.get("NextToken")
        while token:
            _, _, doc = self.emu.org("ListOrganizationalUnitsForParent",
                                     {"ParentId": self.root(), "NextToken": token})
            names += [o["Name"] for o in doc["OrganizationalUnits"]]
            token = doc.get("NextToken")
        self.assertEqual(len([n for n in names if n.startswith("ou-")]), 40)

    def root(self):
        return self.emu.org("ListRoots")[2]["Roots"][0]["Id"]


class StateFile(EmulatorTest):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="localaws-test-")
        self.path = os.path.join(self.dir, "state.json")
        self.addCleanup(shutil.rmtree, self.dir, True)

    @classmethod
    def setUpClass(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        pass

    def test_restart_keeps_state_and_ca(self):
        self.emu = Emulator("--state-file", self.path).start()
        try:
            acct, creds = self.tenant()
            c = self.active_cluster(creds, "persist")
        finally:
            self.emu.stop()
        self.emu = Emulator("--state-file", self.path).start()
        try:
            st, _, doc = self.emu.org("DescribeAccount", {"AccountId": acct})
            self.assertEqual(st, 200)
            st, _, doc = self.emu.eks("GET", "/clusters/persist", creds=creds)
            self.assertEqual(st, 200, doc)  # the session survived as well
            self.assertEqual(doc["cluster"]["certificateAuthority"]["data"],
                             c["certificateAuthority"]["data"])
            self.assertTrue(doc["cluster"]["endpoint"].startswith(
                "https://127.0.0.1:%d/" % self.emu.port))
        finally:
            self.emu.stop()
        # age the session: its credentials now answer ExpiredToken
        with open(self.path) as f:
            doc = json.load(f)
        doc["sessions"][creds[0]]["expires"] = time.time() - 5
        with open(self.path, "w") as f:
            json.dump(doc, f)
        self.emu = Emulator("--state-file", self.path).start()
        try:
            st, _, body = self.emu.query("sts", "GetCallerIdentity", creds=creds)
            ns = "{%s}" % NS["sts"]
            self.assertEqual((st, ET.fromstring(body).find(ns + "Error/" + ns + "Code").text),
                             (403, "ExpiredToken"))
            st, _, doc = self.emu.org("ListRoots", creds=creds)
            self.assertEqual(doc["__type"], "ExpiredTokenException")
            st, h, _ = self.emu.eks("GET", "/clusters", creds=creds)
            self.assertTrue(h["x-amzn-errortype"].startswith("ExpiredTokenException"))
        finally:
            self.emu.stop()

    def test_startup_is_fast_and_prints_one_line(self):
        t = time.time()
        emu = Emulator().start()
        elapsed = time.time() - t
        try:
            self.assertEqual(emu.ready_line, "localaws ready on http://127.0.0.1:%d\n" % emu.port)
            self.assertLess(elapsed, 2.0)  # generous: loaded CI machines
        finally:
            emu.stop()
