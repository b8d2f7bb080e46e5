"""End to end: a state holding more environments than a tenant has (edited by hand, or written by
a later provider version) loses no account on refresh. A one-environment tenant is applied
against tools/localaws, its state is edited to hold four environments, and `terraform plan`
(which refreshes) must fail with an error naming the accounts beyond the third, leaving the
state file exactly as it was.

Run: UNICRON_PROVIDER_BIN=build/terraform-provider-unicron python3 -m unittest discover \
     -s tests/e2e -p 'test_tenant_state*' -v
"""
import copy
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_tenant  # noqa: E402  (used as test_tenant.X so its tests are not collected twice)


class TenantStateEnvsTest(test_tenant.TenantTestCase):

    def test_extra_environments_in_state_are_not_dropped(self):
        self.start_localaws()
        t = test_tenant.Tenant(envs=[{"name": "dev"}], access=[])
        w = self.tenant_workdir(t)
        self.apply(w)
        path = os.path.join(w.path, "terraform.tfstate")
        with open(path) as f:
            state = json.load(f)
        attrs = state["resources"][0]["instances"][0]["attributes"]
        dev = attrs["environment"][0]
        for name, acct in (("staging", "222222222222"), ("prod", "333333333333"),
                           ("qa", "444444444444")):
            e = copy.deepcopy(dev)
            e.update({"name": name, "account_id": acct, "email": "aws+x-%s@example.com" % name})
            attrs["environment"].append(e)
        state["serial"] += 1
        edited = json.dumps(state, indent=2)
        with open(path, "w") as f:
            f.write(edited)

        rc, out = self.plan(w)
        self.assertEqual(rc, 1, out)
        self.assertIn("More environments than a tenant has", out)
        self.assertIn("qa (account 444444444444)", out.replace("\n", " "))
        with open(path) as f:
            self.assertEqual(f.read(), edited, "the state changed")


if __name__ == "__main__":
    unittest.main()
