"""End to end: a refresh of many tenants shares one walk of the organization (its accounts and
their parents) per provider process (issue 13) and still sees every out-of-band change exactly.
24 tenants of one environment each, so that a plan reads enough accounts for the provider to
walk the organization (res_account_cache.h: after 20 reads);
then an account closed and another's tags changed outside Terraform, and the plan must show
exactly those two tenants, however the reads interleave with the list.

Run: UNICRON_PROVIDER_BIN=build/terraform-provider-unicron python3 -m unittest discover \
     -s tests/e2e -p 'test_tenant_shared_reads.py' -v
"""
import re

import test_tenant

N = 24


def config(url):
    out = ['terraform {\n  required_providers {\n    unicron = { source = "unicron/unicron" }\n'
           '  }\n}\n\nprovider "unicron" {\n  region = "us-east-1"\n  endpoints {\n'
           '    organizations = "%s"\n    sts = "%s"\n    iam = "%s"\n  }\n}\n' % (url, url, url)]
    for i in range(N):
        out.append('\nresource "unicron_tenant" "t%d" {\n  name = "shared-%d"\n'
                   '  email_template = "aws+{tenant}-{environment}@example.com"\n'
                   '  tags = { team = "t%d" }\n'
                   '  environment {\n    name = "dev"\n  }\n}\n' % (i, i, i))
    return "".join(out)


def ops(before, after, svc, op):
    return (after["operations"].get(svc, {}).get(op, 0)
            - before["operations"].get(svc, {}).get(op, 0))


class TenantSharedReadsTest(test_tenant.TenantTestCase):
    def test_many_tenants_share_one_walk_and_drift_is_exact(self):
        self.start_localaws(async_delay_ms=5)
        w = self.workdir({"main.tf": config(self.la.url)}, localaws=self.la)
        rc, out = self.tf(w, "apply", "-auto-approve", "-parallelism=10")
        self.assertEqual(rc, 0, out)
        self.assertIn("Apply complete! Resources: %d added" % N, out)
        ids = {}
        for r in w.state()["resources"]:
            attrs = r["instances"][0]["attributes"]
            ids[r["name"]] = attrs["environment"][0]["account_id"]
        self.assertEqual(len(ids), N)

        with self.subTest("no drift: one walk answers most reads"):
            before = self.api.stats()
            self.assertNoChanges(w)
            after = self.api.stats()
            self.assertGreaterEqual(ops(before, after, "organizations", "ListRoots"), 1)
            self.assertGreaterEqual(ops(before, after, "organizations", "ListAccountsForParent"), 1)
            self.assertLess(ops(before, after, "organizations", "DescribeAccount"), N)
            self.assertLess(ops(before, after, "organizations", "ListParents"), N)

        with self.subTest("an account closed and another's tags changed out of band"):
            self.api.close_account(ids["t23"])
            self.api.tag_resource(ids["t22"], {"team": "hijacked"})
            rc, out = self.plan(w)
            self.assertEqual(rc, 2, out)
            self.assertIn("Plan: 1 to add, 1 to change, 0 to destroy.", out)
            self.assertRegex(out, r'unicron_tenant\.t23 will be created')
            self.assertRegex(out, r'unicron_tenant\.t22 will be updated in-place')
            self.assertRegex(out, r'~ "team"\s+= "hijacked" -> "t22"')
            for other in re.findall(r"unicron_tenant\.(t\d+) (?:will|must)", out):
                self.assertIn(other, ("t22", "t23"), out)
