"""End to end: unicron_cluster under injected AWS faults (throttling and 5xx), with the provider
killed by SIGKILL while the cluster is CREATING, and with Ctrl-C during the node-group wait
(issue 9). Slower than test_cluster.py; uses its helpers.

Run: UNICRON_PROVIDER_BIN=build/terraform-provider-unicron python3 -m unittest discover \
     -s tests/e2e -p 'test_cluster*' -v
"""
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import test_cluster  # noqa: E402  (used as test_cluster.X so its tests are not collected twice)
import test_tenant_faults  # noqa: E402

PROVIDER_EXE = test_tenant_faults.PROVIDER_EXE


class ClusterFaultTest(test_cluster.ClusterTestCase):

    def start_terraform(self, w, *args):
        proc = subprocess.Popen(["terraform"] + list(args) + ["-no-color", "-input=false"],
                                cwd=w.path, env=w.env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        return proc

    def wait_for_calls(self, proc, op, n, wait_s=120):
        """Waits until EKS has answered op at least n times (terraform still running)."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.api.stats()["operations"].get("eks", {}).get(op, 0) >= n:
                return
            if proc.poll() is not None:
                self.fail("terraform ended before %s:\n%s" % (op, proc.stdout.read()))
            time.sleep(0.05)
        self.fail("no %d %s calls within %d s" % (n, op, wait_s))

    def test_create_and_destroy_under_throttling_and_errors(self):
        self.start_localaws("--throttle-rate", "0.3", "--error-rate", "0.05", "--seed", "9")
        # economy tier: a node group without capacity_type is SPOT
        c = test_cluster.Cluster(version="1.35", tier="economy", node_groups=[
            test_cluster.node_group("general", ["m6i.large"], 1, 3, capacity_type="ON_DEMAND"),
            test_cluster.node_group("spot", ["m5.large", "m5a.large"], 0, 4)])
        w, acct = self.create_cluster(c)
        faults = self.api.stats()["faults"]
        self.assertGreater(sum(faults["throttle"].get("eks", {}).values()), 0, faults)
        self.assertGreater(faults["total"], 0, faults)
        self.assertEqual(self.resource(w, test_cluster.ADDR)["node_group"][1]["capacity_type"],
                         "SPOT")
        self.assertClusterNoChanges(w)

        rc, out = self.tf(w, "destroy", "-auto-approve")
        self.assertEqual(rc, 0, out)
        self.assertIn("Destroy complete! Resources: 2 destroyed.", out)
        self.assertNothingLeft(acct, c.name)
        self.assertGreater(self.api.stats()["faults"]["total"], faults["total"],
                           "destroy ran without faults")

    def test_sigkill_while_cluster_creating_then_apply_leaves_one_cluster(self):
        # The tenant first, so that the cluster's account is known and localaws' hold knob can
        # keep the cluster CREATING from its creation on (no race with the clock).
        self.start_localaws()
        c = test_cluster.Cluster(version="1.35")
        w = self.workdir({"main.tf": test_cluster.render(self.la.url, test_cluster.tenant(),
                                                         None)}, localaws=self.la)
        self.apply(w)
        acct = self.account_ids(w)["dev"]
        inside = self.inside(acct)
        self.api.hold(acct, c.name, "cluster")
        self.write_cluster(w, c)
        proc = self.start_terraform(w, "apply", "-auto-approve")
        self.wait_for_calls(proc, "CreateCluster", 1)
        d = inside.describe_cluster(c.name)
        self.assertIsNotNone(d, "CreateCluster answered, but there is no cluster")
        self.assertEqual(d["status"], "CREATING")

        providers = test_tenant_faults.children_named(proc.pid, PROVIDER_EXE)
        self.assertEqual(len(providers), 1, "provider process of terraform %d" % proc.pid)
        os.kill(providers[0], signal.SIGKILL)
        out, _ = proc.communicate(timeout=120)
        self.assertNotEqual(proc.returncode, 0, out)
        self.assertTraceClean(w)
        self.assertEqual(inside.describe_cluster(c.name)["status"], "CREATING")
        self.api.hold(acct, c.name, "cluster", hold=False)

        rc, out = self.tf(w, "apply", "-auto-approve")
        self.assertEqual(rc, 0, "apply after SIGKILL failed:\n" + out)
        self.assertEqual(inside.list_clusters(), [c.name], "exactly one cluster")
        created = test_cluster.emulator_history(self.api, account=acct, cluster=c.name,
                                                kind="cluster", event="status")
        self.assertEqual(len([e for e in created if e.get("status") == "CREATING"]), 1,
                         "the cluster was created once: %r" % created)
        self.check_cluster(w, c, acct)
        self.assertClusterNoChanges(w)

    def test_ctrl_c_during_node_group_wait_stops_promptly_and_apply_finishes(self):
        # Tenant and cluster come up quickly; then localaws restarts on its state file with
        # every transitional state lasting DELAY_S, and the node groups are added.
        delay_s = 20
        state = os.path.join(self.workdir().path, "localaws-state.json")
        self.start_localaws("--state-file", state)
        c = test_cluster.Cluster(version="1.35", node_groups=[])
        w, acct = self.create_cluster(c)
        self.la.stop()
        self.start_localaws("--state-file", state, async_delay_ms=delay_s * 1000)
        w.env["AWS_ENDPOINT_URL"] = self.la.url
        c.node_groups = test_cluster.Cluster().node_groups
        self.write_cluster(w, c)

        proc = self.start_terraform(w, "apply", "-auto-approve")
        self.wait_for_calls(proc, "CreateNodegroup", len(c.node_groups))
        inside = self.inside(acct)
        self.assertEqual(sorted(inside.describe_nodegroup(c.name, n)["status"]
                                for n in inside.list_nodegroups(c.name)),
                         ["CREATING", "CREATING"])

        # Ctrl-C: terraform calls StopProvider; the node-group wait ends and the provider
        # returns what it did. Without that, terraform could not end before the node groups
        # are ACTIVE, delay_s after their creation.
        created = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=300)
        elapsed = time.monotonic() - created
        self.assertNotEqual(proc.returncode, 0, out)
        self.assertIn("Interrupt received", out)
        self.assertTrue(any(n["status"] == "CREATING" for n in
                            (inside.describe_nodegroup(c.name, x)
                             for x in inside.list_nodegroups(c.name))),
                        "terraform ended only once the node groups were ACTIVE (%.1f s):\n%s"
                        % (elapsed, out))
        self.assertTraceClean(w)

        # The next apply waits for the node groups already being created; EKS then holds
        # exactly the two configured groups (check_cluster), none created twice.
        rc, out = self.tf(w, "apply", "-auto-approve")
        self.assertEqual(rc, 0, "apply after Ctrl-C failed:\n" + out)
        self.check_cluster(w, c, acct)
        self.assertClusterNoChanges(w)


if __name__ == "__main__":
    unittest.main()
