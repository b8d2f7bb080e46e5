"""End to end: unicron_tenant under injected AWS faults (throttling and 5xx) and with the
provider killed by SIGKILL while CreateAccount is in progress (issue 5). Slower than
test_tenant.py; uses its helpers.

Run: UNICRON_PROVIDER_BIN=build/terraform-provider-unicron python3 -m unittest discover \
     -s tests/e2e -p 'test_tenant*' -v
"""
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import test_tenant  # noqa: E402  (used as test_tenant.X so its tests are not collected twice)

PROVIDER_EXE = "terraform-provider-unicron"


def children_named(ppid, name):
    """Pids of the processes whose parent is ppid and whose executable is called name."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/status" % d) as f:
                status = f.read()
            with open("/proc/%s/cmdline" % d, "rb") as f:
                argv0 = f.read().split(b"\0", 1)[0].decode(errors="replace")
        except OSError:
            continue
        parent = [line.split()[1] for line in status.splitlines() if line.startswith("PPid:")]
        if parent == [str(ppid)] and os.path.basename(argv0) == name:
            out.append(int(d))
    return out


class TenantFaultTest(test_tenant.TenantTestCase):

    def test_create_and_destroy_under_throttling_and_errors(self):
        self.start_localaws("--throttle-rate", "0.3", "--error-rate", "0.05", "--seed", "5")
        ou = self.api.create_ou(self.root, "data")
        t = test_tenant.Tenant(parent_id=ou, close_on_deletion=True)
        w = self.tenant_workdir(t)
        self.apply(w)
        ids = self.account_ids(w)
        faults = self.api.stats()["faults"]
        self.assertGreater(sum(sum(ops.values()) for ops in faults["throttle"].values()), 0,
                           faults)
        self.assertGreater(faults["total"], 0, faults)
        # each environment still has exactly one account, however often calls were retried
        snapshot = self.api.state()
        for env in t.env_names():
            self.assertEqual([a["Id"] for a in self.accounts_with_email(t.email(env), snapshot)],
                             [ids[env]])
        self.check_state(w, t)
        self.check_aws(t, ids)
        self.assertNoChanges(w)

        rc, out = self.tf(w, "destroy", "-auto-approve")
        self.assertEqual(rc, 0, out)
        self.assertIn("Destroy complete! Resources: 1 destroyed.", out)
        for env, acct in ids.items():
            state = self.api.describe_account(acct)["State"]
            self.assertIn(state, ("PENDING_CLOSURE", "SUSPENDED"), env)
        faults_after = self.api.stats()["faults"]["total"]
        self.assertGreater(faults_after, faults["total"], "destroy ran without faults")

    def test_sigkill_during_create_account_then_apply_leaves_one_account_each(self):
        # CreateAccount stays IN_PROGRESS for 3 s; the role is assumable soon after.
        self.start_localaws("--role-propagation-ms", "200", async_delay_ms=3000)
        t = test_tenant.Tenant(parent_id=self.api.create_ou(self.root, "data"))
        w = self.tenant_workdir(t)
        proc = subprocess.Popen(["terraform", "apply", "-auto-approve", "-no-color",
                                 "-input=false"], cwd=w.path, env=w.env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))

        # Wait for the first CreateAccount, then up to 1 s more for the other environments'.
        deadline, first = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            ops = self.api.stats()["operations"].get("organizations", {})
            n = ops.get("CreateAccount", 0)
            if n >= 1 and first is None:
                first = time.monotonic()
            if n >= len(t.envs) or (first is not None and time.monotonic() - first > 1.0):
                break
            # (read stdout only once terraform has ended: read() waits for EOF)
            if proc.poll() is not None:
                self.fail("terraform ended before CreateAccount:\n" + proc.stdout.read())
            time.sleep(0.05)
        else:
            self.fail("no CreateAccount call within 60 s")
        pending = [r for r in self.api.state()["create_requests"].values()
                   if r["State"] == "IN_PROGRESS"]
        self.assertGreater(len(pending), 0)

        providers = children_named(proc.pid, PROVIDER_EXE)
        self.assertEqual(len(providers), 1, "provider process of terraform %d" % proc.pid)
        os.kill(providers[0], signal.SIGKILL)
        out, _ = proc.communicate(timeout=120)
        self.assertNotEqual(proc.returncode, 0, out)
        self.assertTraceClean(w)

        rc, out = self.tf(w, "apply", "-auto-approve")
        self.assertEqual(rc, 0, "apply after SIGKILL failed:\n" + out)
        ids = self.check_state(w, t)
        snapshot = self.api.state()
        for env in t.env_names():
            with self.subTest(env=env):
                email = t.email(env)
                accounts = self.accounts_with_email(email, snapshot)
                self.assertEqual([a["Id"] for a in accounts], [ids[env]])
                reqs = [r for r in snapshot["create_requests"].values()
                        if r["Email"].lower() == email.lower()]
                self.assertEqual([r["State"] for r in reqs if r["State"] != "FAILED"],
                                 ["SUCCEEDED"], reqs)
        self.assertEqual(sorted(a for a in snapshot["accounts"] if a != test_tenant.MGMT),
                         sorted(ids.values()), "no other account exists")
        self.check_aws(t, ids)
        self.assertNoChanges(w)

    def test_ctrl_c_during_create_account_stops_promptly_and_apply_finishes(self):
        # CreateAccount stays IN_PROGRESS for 20 s: without StopProvider reaching the wait,
        # terraform could not end before that.
        self.start_localaws("--role-propagation-ms", "200", async_delay_ms=20000)
        t = test_tenant.Tenant(parent_id=self.api.create_ou(self.root, "data"))
        w = self.tenant_workdir(t)
        proc = subprocess.Popen(["terraform", "apply", "-auto-approve", "-no-color",
                                 "-input=false"], cwd=w.path, env=w.env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ops = self.api.stats()["operations"].get("organizations", {})
            if ops.get("CreateAccount", 0) >= len(t.envs):
                break
            if proc.poll() is not None:
                self.fail("terraform ended before CreateAccount:\n" + proc.stdout.read())
            time.sleep(0.05)
        else:
            self.fail("no CreateAccount calls within 60 s")

        # Ctrl-C: terraform calls StopProvider; the provider's waits end and it returns what
        # it has. The bound is generous; it only has to be well below the 20 s the waits would
        # otherwise take.
        interrupted = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=120)
        elapsed = time.monotonic() - interrupted
        self.assertNotEqual(proc.returncode, 0, out)
        self.assertLess(elapsed, 12.0, "terraform took %.1f s to stop:\n%s" % (elapsed, out))
        self.assertIn("Interrupt received", out)
        self.assertTraceClean(w)

        # The next apply resumes the requests still in progress: one account per environment.
        rc, out = self.tf(w, "apply", "-auto-approve")
        self.assertEqual(rc, 0, "apply after Ctrl-C failed:\n" + out)
        ids = self.check_state(w, t)
        snapshot = self.api.state()
        for env in t.env_names():
            with self.subTest(env=env):
                accounts = self.accounts_with_email(t.email(env), snapshot)
                self.assertEqual([a["Id"] for a in accounts], [ids[env]])
        self.assertEqual(self.api.stats()["operations"]["organizations"]["CreateAccount"],
                         len(t.envs), "no CreateAccount was sent twice")
        self.check_aws(t, ids)
        self.assertNoChanges(w)


if __name__ == "__main__":
    unittest.main()
