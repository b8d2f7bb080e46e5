"""End to end: unicron_tenant with the real `terraform` binary, the built provider and
tools/localaws (issue 5). Create / update a 3-environment tenant, drift through the AWS API (tag,
OU move, deleted access role, closed account), import, destroy in retire and close mode, and bad
inputs. Every expectation comes from the issue and DESIGN.md §3, never from what the provider
happens to do. The slow cases (faults, SIGKILL) are in test_tenant_faults.py.

Run: UNICRON_PROVIDER_BIN=build/terraform-provider-unicron python3 -m unittest discover \
     -s tests/e2e -p 'test_tenant*' -v

TenantTestCase has no tests of its own; other test_tenant_*.py modules use it as
`test_tenant.TenantTestCase` (never `from test_tenant import ...`, which would run it twice).
"""
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import awsapi  # noqa: E402
import harness  # noqa: E402

TENANT = "data-team"
ADDR = "unicron_tenant.t"
TEMPLATE = "aws+{tenant}-{environment}@example.com"
MGMT = awsapi.MGMT_ACCOUNT
DEFAULT_TAGS = {"managed-by": "terraform"}
# The AWS managed policy of each access role (issue 5: "the matching AWS managed policy").
ROLE_POLICY = {
    "admin": "arn:aws:iam::aws:policy/AdministratorAccess",
    "developer": "arn:aws:iam::aws:policy/PowerUserAccess",
    "readonly": "arn:aws:iam::aws:policy/ReadOnlyAccess",
}
ROLE_NAMES = {r: "unicron-" + r for r in ROLE_POLICY}
ALL_ENVS = ("dev", "staging", "prod")


def principal(kind, name):
    return "arn:aws:iam::%s:%s/%s" % (MGMT, kind, name)


ADMINS = principal("role", "platform-admins")
ENGINEERS = principal("role", "data-engineers")
ANALYSTS = principal("role", "data-analysts")
AUDITOR = principal("user", "auditor")
ONCALL = principal("role", "platform-oncall")


def q(s):
    """An HCL string literal (JSON string syntax is valid HCL for these values)."""
    return json.dumps(s)


def hcl_map(m):
    return "{\n%s  }" % "".join("    %s = %s\n" % (q(k), q(v)) for k, v in sorted(m.items()))


def hcl_list(items):
    return "[%s]" % ", ".join(q(i) for i in items)


class Tenant:
    """A unicron_tenant configuration, rendered to HCL and used to compute what AWS must hold.

    envs: list of dicts {name, tier?, email?, parent_id?}; access: list of dicts
    {role, principals, environments?}."""

    def __init__(self, name=TENANT, parent_id=None, envs=None, tags=None, cost_center="cc-1234",
                 owner="data-leads", access=None, close_on_deletion=None,
                 retired_parent_id=None, email_template=TEMPLATE):
        self.name = name
        self.parent_id = parent_id
        self.envs = envs if envs is not None else [
            {"name": "dev", "tier": "economy"}, {"name": "staging"},
            {"name": "prod", "tier": "critical"}]
        self.tags = dict(tags if tags is not None else {"team": "data", "project": "lake"})
        self.cost_center = cost_center
        self.owner = owner
        self.access = access if access is not None else [
            {"role": "admin", "principals": [ADMINS]},
            {"role": "developer", "principals": [ENGINEERS], "environments": ["dev", "staging"]},
            {"role": "readonly", "principals": [ANALYSTS, AUDITOR]},
        ]
        self.close_on_deletion = close_on_deletion
        self.retired_parent_id = retired_parent_id
        self.email_template = email_template

    # ---------------------------------------------------------------- rendering
    def hcl(self, url, extra=""):
        out = ['terraform {\n  required_providers {\n'
               '    unicron = { source = "unicron/unicron" }\n  }\n}\n\n'
               'provider "unicron" {\n  region = "us-east-1"\n'
               '  endpoints {\n    organizations = %s\n    sts           = %s\n'
               '    iam           = %s\n  }\n  default_tags = %s\n}\n\n'
               % (q(url), q(url), q(url), hcl_map(DEFAULT_TAGS))]
        out.append('resource "unicron_tenant" "t" {\n  name = %s\n' % q(self.name))
        if self.email_template is not None:
            out.append("  email_template = %s\n" % q(self.email_template))
        for attr in ("parent_id", "cost_center", "owner", "retired_parent_id"):
            if getattr(self, attr) is not None:
                out.append("  %s = %s\n" % (attr, q(getattr(self, attr))))
        if self.close_on_deletion is not None:
            out.append("  close_on_deletion = %s\n" % ("true" if self.close_on_deletion
                                                       else "false"))
        if self.tags:
            out.append("  tags = %s\n" % hcl_map(self.tags))
        for e in self.envs:
            out.append("\n  environment {\n    name = %s\n" % q(e["name"]))
            for attr in ("tier", "email", "parent_id"):
                if e.get(attr) is not None:
                    out.append("    %s = %s\n" % (attr, q(e[attr])))
            out.append("  }\n")
        for a in self.access:
            out.append("\n  access {\n    role = %s\n    principals = %s\n"
                       % (q(a["role"]), hcl_list(a["principals"])))
            if a.get("environments") is not None:
                out.append("    environments = %s\n" % hcl_list(a["environments"]))
            out.append("  }\n")
        out.append(extra)
        out.append("}\n")
        return "".join(out)

    # ---------------------------------------------------------------- expectations
    def env_names(self):
        return [e["name"] for e in self.envs]

    def email(self, env):
        e = self.env(env)
        if e.get("email"):
            return e["email"]
        return self.email_template.replace("{tenant}", self.name).replace("{environment}", env)

    def env(self, env):
        return next(e for e in self.envs if e["name"] == env)

    def tier(self, env):
        return self.env(env).get("tier") or "standard"

    def parent(self, env):
        return self.env(env).get("parent_id") or self.parent_id

    def account_tags(self, env):
        """Exactly the tags the account of env must carry."""
        t = dict(DEFAULT_TAGS)
        t.update(self.tags)
        t["unicron:tenant"] = self.name
        t["unicron:environment"] = env
        t["unicron:tier"] = self.tier(env)
        if self.cost_center is not None:
            t["unicron:cost-center"] = self.cost_center
        if self.owner is not None:
            t["unicron:owner"] = self.owner
        return t

    def roles(self, env):
        """{role name: (principals set, policy ARN)} that must exist in env's account."""
        out = {}
        for a in self.access:
            envs = a.get("environments")
            if envs is None or env in envs:
                out[ROLE_NAMES[a["role"]]] = (set(a["principals"]), ROLE_POLICY[a["role"]])
        return out


class TenantTestCase(harness.ProviderTestCase):
    """Helpers: one LocalAWS per test, terraform runs that always check the trace, and checks of
    what AWS holds against a Tenant."""

    def start_localaws(self, *args, async_delay_ms=50):
        self.la = harness.LocalAWS(*args, async_delay_ms=async_delay_ms)
        self.addCleanup(self.la.stop)
        # retries: the test's own calls ride through --throttle-rate / --error-rate faults
        self.api = awsapi.AwsApi(self.la.url, retries=30)
        self.root = self.api.root_id()
        return self.la

    def tenant_workdir(self, tenant, extra=""):
        w = self.workdir({"main.tf": tenant.hcl(self.la.url, extra)}, localaws=self.la)
        return w

    def write_config(self, w, tenant, extra=""):
        w.write("main.tf", tenant.hcl(self.la.url, extra))

    # ---------------------------------------------------------------- terraform
    def tf(self, w, *args, timeout=300):
        """Runs terraform with -no-color -input=false; returns (exit code, stdout+stderr)."""
        # options go right after the subcommand: Terraform stops parsing flags at the first
        # positional argument (`terraform import ADDR ID -no-color` is a usage error)
        args = list(args)
        r = w.tf(*(args[:1] + ["-no-color", "-input=false"] + args[1:]), timeout=timeout)
        out = harness.strip_ansi(r.stdout + r.stderr)
        self.assertTraceClean(w)
        return r.returncode, out

    def apply(self, w, expect="1 added, 0 changed, 0 destroyed"):
        rc, out = self.tf(w, "apply", "-auto-approve")
        self.assertEqual(rc, 0, "apply failed:\n" + out)
        self.assertIn("Apply complete! Resources: %s." % expect, out, out)
        return out

    def plan(self, w):
        return self.tf(w, "plan", "-detailed-exitcode")

    def assertNoChanges(self, w):
        rc, out = self.plan(w)
        self.assertEqual(rc, 0, "plan -detailed-exitcode should be clean:\n" + out)
        self.assertIn("No changes.", out)
        return out

    def assertPlanOnly(self, w, summary, must, allowed):
        """plan -detailed-exitcode exits 2 with the Plan: summary; every changed line of the
        proposed actions matches one of `allowed` (regexes, after the +/~/- marker), and every
        regex in `must` matches some changed line."""
        rc, out = self.plan(w)
        self.assertEqual(rc, 2, "plan should show a change:\n" + out)
        self.assertIn("Plan: %s." % summary, out, out)
        lines = plan_change_lines(out)
        for line in lines:
            self.assertTrue(any(re.search(a, line) for a in allowed),
                            "unexpected change line %r in plan:\n%s" % (line, out))
        for m in must:
            self.assertTrue(any(re.search(m, line) for line in lines),
                            "no change line matches %r in plan:\n%s" % (m, out))
        return out

    # ---------------------------------------------------------------- state
    def resource(self, w, addr=ADDR):
        """The attributes of addr in terraform.tfstate (fails when it is not there)."""
        for r in (w.state() or {}).get("resources", []):
            if "%s.%s" % (r["type"], r["name"]) == addr:
                self.assertEqual(len(r["instances"]), 1)
                return r["instances"][0]["attributes"]
        self.fail("%s not in state" % addr)

    def state_has_no_resources(self, w):
        return not (w.state() or {}).get("resources")

    def account_ids(self, w):
        return dict(self.resource(w)["account_ids"])

    # ---------------------------------------------------------------- AWS
    def accounts_with_email(self, email, state=None):
        state = state or self.api.state()
        return [a for a in state["accounts"].values() if a["Email"].lower() == email.lower()]

    def check_state(self, w, tenant):
        """terraform.tfstate describes the tenant: ids, e-mails, tiers, states, ARNs."""
        attrs = self.resource(w)
        self.assertEqual(attrs["id"], tenant.name)
        self.assertEqual(attrs["name"], tenant.name)
        ids = attrs["account_ids"]
        self.assertEqual(sorted(ids), sorted(tenant.env_names()))
        self.assertEqual(len(set(ids.values())), len(ids), ids)
        self.assertEqual([e["name"] for e in attrs["environment"]], tenant.env_names())
        for e in attrs["environment"]:
            acct = ids[e["name"]]
            self.assertRegex(acct, r"^\d{12}$")
            self.assertEqual(e["account_id"], acct)
            self.assertEqual(e["email"], tenant.email(e["name"]))
            self.assertEqual(e["tier"], tenant.tier(e["name"]))
            self.assertEqual(e["state"], "ACTIVE")
            self.assertEqual(e["account_arn"], self.api.describe_account(acct)["Arn"])
            self.assertEqual(e["access_role_arn"],
                             "arn:aws:iam::%s:role/%s" % (acct, awsapi.ACCOUNT_ACCESS_ROLE))
        tags_all = attrs["tags_all"]
        for k, v in list(DEFAULT_TAGS.items()) + list(tenant.tags.items()):
            self.assertEqual(tags_all.get(k), v, tags_all)
        self.assertEqual(tags_all.get("unicron:tenant"), tenant.name, tags_all)
        return ids

    def check_aws(self, tenant, ids):
        """AWS holds exactly the tenant: one ACTIVE account per environment with its e-mail,
        parent, tags and access roles (trust principals, one managed policy), no other roles."""
        snapshot = self.api.state()
        for env in tenant.env_names():
            acct = ids[env]
            with self.subTest(env=env):
                same = self.accounts_with_email(tenant.email(env), snapshot)
                self.assertEqual([a["Id"] for a in same], [acct], "accounts with the e-mail")
                d = self.api.describe_account(acct)
                self.assertEqual(d["State"], "ACTIVE")
                self.assertEqual(d["Email"], tenant.email(env))
                self.assertEqual(self.api.parent_of(acct), tenant.parent(env) or self.root)
                self.assertEqual(self.api.tags_of(acct), tenant.account_tags(env))
                inside = self.api.in_account(acct)
                want = tenant.roles(env)
                for role in ROLE_NAMES.values():
                    got = inside.get_role(role)
                    if role not in want:
                        self.assertIsNone(got, "%s must not exist in %s" % (role, env))
                        continue
                    self.assertIsNotNone(got, "%s missing in %s" % (role, env))
                    principals, policy = want[role]
                    self.assertEqual(
                        awsapi.trust_principals(got["AssumeRolePolicyDocument"]), principals)
                    self.assertEqual(inside.list_attached_role_policies(role), [policy])

    def create(self, tenant, *localaws_args, async_delay_ms=50):
        """LocalAWS + workdir + apply of tenant, checked; returns (workdir, account ids)."""
        if not hasattr(self, "la"):
            self.start_localaws(*localaws_args, async_delay_ms=async_delay_ms)
        w = self.tenant_workdir(tenant)
        self.apply(w)
        ids = self.check_state(w, tenant)
        self.check_aws(tenant, ids)
        return w, ids


def plan_change_lines(out):
    """The lines of "Terraform will perform the following actions" that carry a change marker,
    with the marker: '~ tags = {', '+ "staging",', '- parent_id = "ou-..." -> null', ..."""
    start = out.find("Terraform will perform the following actions:")
    if start < 0:
        return []
    end = out.find("\nPlan:", start)
    lines = []
    for raw in out[start:end if end > 0 else None].splitlines()[1:]:
        s = raw.strip()
        if re.match(r"^(-/\+|\+/-|[~+-]) ", s):
            lines.append(s)
    return lines


RESOURCE_LINE = r'^~ resource "unicron_tenant" "t" \{'


def reshape(doc):
    """A policy document equal to doc under IAM semantics in another JSON form: keys in
    reverse order, lists reversed, single strings of Action / Principal.AWS as lists."""
    if isinstance(doc, dict):
        out = {}
        for k in sorted(doc, reverse=True):
            v = reshape(doc[k])
            if k in ("Action", "AWS") and isinstance(v, str):
                v = [v]
            out[k] = v
        return out
    if isinstance(doc, list):
        return [reshape(v) for v in reversed(doc)]
    return doc


def replace_principals(doc, mapping):
    """doc with every AWS principal of an Allow statement replaced through mapping."""
    doc = json.loads(json.dumps(doc))
    for st in doc.get("Statement", []):
        aws = (st.get("Principal") or {}).get("AWS") if st.get("Effect") == "Allow" else None
        if isinstance(aws, str):
            st["Principal"]["AWS"] = mapping.get(aws, aws)
        elif isinstance(aws, list):
            st["Principal"]["AWS"] = [mapping.get(a, a) for a in aws]
    return doc


class TenantLifecycleTest(TenantTestCase):

    def test_create_three_environments_then_update_tags_ou_and_principals(self):
        self.start_localaws()
        ou_a = self.api.create_ou(self.root, "data-a")
        ou_b = self.api.create_ou(self.root, "data-b")
        t = Tenant(parent_id=ou_a)
        w, ids = self.create(t)
        self.assertNoChanges(w)

        # tags: one changed, one removed, one added; OU; principals added and removed.
        t.tags = {"team": "data-science", "budget": "q3"}
        t.parent_id = ou_b
        t.access[0]["principals"] = [ADMINS, ONCALL]
        t.access[2]["principals"] = [AUDITOR]
        self.write_config(w, t)
        out = self.assertPlanOnly(
            w, "0 to add, 1 to change, 0 to destroy",
            must=[r"^~ parent_id\s+=", r'"budget"', r'"project"', ONCALL, ANALYSTS],
            allowed=[RESOURCE_LINE, r"^[~+-] (parent_id|tags|tags_all|principals)\s+=",
                     r'^[~+-] "(team|project|budget)"\s+=', r"^~ access \{",
                     r'^[+-] "arn:aws:iam::%s:(role|user)/[\w-]+",?$' % MGMT])
        self.assertNotIn("must be replaced", out)
        self.apply(w, "0 added, 1 changed, 0 destroyed")
        self.assertEqual(self.check_state(w, t), ids, "accounts must be kept, not replaced")
        self.check_aws(t, ids)
        self.assertNoChanges(w)

    def test_drift_tag_ou_move_and_deleted_role_are_planned_alone_and_restored(self):
        self.start_localaws()
        ou_a = self.api.create_ou(self.root, "data-a")
        ou_b = self.api.create_ou(self.root, "elsewhere")
        t = Tenant(parent_id=ou_a)
        w, ids = self.create(t)

        with self.subTest("out-of-band tag change"):
            self.api.tag_resource(ids["staging"], {"team": "hijacked"})
            self.assertPlanOnly(
                w, "0 to add, 1 to change, 0 to destroy",
                must=[r'^~ "team"\s+= "hijacked" -> "data"'],
                allowed=[RESOURCE_LINE, r"^~ (tags|tags_all)\s+=", r'^~ "team"\s+='])
            self.apply(w, "0 added, 1 changed, 0 destroyed")
            self.assertEqual(self.api.tags_of(ids["staging"]), t.account_tags("staging"))
            self.check_aws(t, ids)
            self.assertNoChanges(w)

        with self.subTest("out-of-band OU move"):
            self.api.move_account(ids["staging"], ou_b, ou_a)
            self.assertPlanOnly(
                w, "0 to add, 1 to change, 0 to destroy",
                must=[r"^[~-] parent_id\s+=.*%s" % re.escape(ou_b)],
                allowed=[RESOURCE_LINE, r"^~ environment \{", r"^[~+-] parent_id\s+="])
            self.apply(w, "0 added, 1 changed, 0 destroyed")
            self.assertEqual(self.api.parent_of(ids["staging"]), ou_a)
            self.check_aws(t, ids)
            self.assertNoChanges(w)

        with self.subTest("out-of-band deleted access role"):
            # developer exists in dev and staging; delete it in staging only.
            self.api.in_account(ids["staging"]).delete_role("unicron-developer")
            self.assertPlanOnly(
                w, "0 to add, 1 to change, 0 to destroy",
                must=[r'"staging"'],
                allowed=[RESOURCE_LINE, r"^~ access \{",
                         r"^[~+-] (environments|principals)\s+=", r'^[+-] "staging",?$'])
            self.apply(w, "0 added, 1 changed, 0 destroyed")
            self.assertIsNotNone(self.api.in_account(ids["staging"]).get_role(
                "unicron-developer"))
            self.check_aws(t, ids)
            self.assertNoChanges(w)

    def test_existing_account_with_the_email_is_adopted_not_duplicated(self):
        # An account left by an interrupted apply: the right e-mail, still under the root,
        # none of the tenant's tags or roles.
        self.start_localaws()
        t = Tenant(parent_id=self.api.create_ou(self.root, "data"))
        left = self.api.create_account(t.email("staging"), "leftover", {"note": "interrupted"})
        w, ids = self.create(t)
        self.assertEqual(ids["staging"], left)
        requests = self.api.state()["create_requests"].values()
        self.assertEqual(sorted(r["Email"] for r in requests),
                         sorted(t.email(e) for e in ALL_ENVS),
                         "one CreateAccount per environment, none for the adopted one again")
        self.assertEqual([r["State"] for r in requests], ["SUCCEEDED"] * 3)
        self.assertNoChanges(w)

    def test_trust_policy_compared_semantically_and_principal_drift_planned(self):
        self.start_localaws()
        t = Tenant(parent_id=self.api.create_ou(self.root, "data"),
                   envs=[{"name": "dev"}, {"name": "prod", "tier": "critical"}],
                   access=[{"role": "admin", "principals": [ADMINS]},
                           {"role": "readonly", "principals": [ANALYSTS, AUDITOR],
                            "environments": ["prod"]}])
        w, ids = self.create(t)
        prod = self.api.in_account(ids["prod"])
        original = prod.get_role("unicron-readonly")["AssumeRolePolicyDocument"]

        with self.subTest("same policy, other JSON form: no drift"):
            # reordered principals and keys, single values as lists, indentation
            prod.update_assume_role_policy("unicron-readonly",
                                           json.dumps(reshape(original), indent=2))
            self.assertNotEqual(prod.get_role("unicron-readonly")["AssumeRolePolicyDocument"],
                                original)
            self.assertNoChanges(w)

        with self.subTest("principal replaced out of band"):
            intruder = principal("role", "intruder")
            prod.update_assume_role_policy("unicron-readonly", replace_principals(
                original, {AUDITOR: intruder}))
            self.assertPlanOnly(
                w, "0 to add, 1 to change, 0 to destroy",
                must=[r'^- "%s",?$' % re.escape(intruder), r'^\+ "%s",?$' % re.escape(AUDITOR)],
                allowed=[RESOURCE_LINE, r"^~ access \{", r"^~ principals\s+=",
                         r'^[+-] "%s",?$' % re.escape(intruder),
                         r'^[+-] "%s",?$' % re.escape(AUDITOR)])
            self.apply(w, "0 added, 1 changed, 0 destroyed")
            self.check_aws(t, ids)
            self.assertNoChanges(w)

    def test_out_of_band_account_closure_is_planned(self):
        self.start_localaws()
        t = Tenant(parent_id=self.api.create_ou(self.root, "data"))
        w, ids = self.create(t)

        self.api.close_account(ids["dev"])
        rc, out = self.plan(w)
        self.assertEqual(rc, 2, out)
        self.assertIn("Plan: 0 to add, 1 to change, 0 to destroy.", out)
        lines = plan_change_lines(out)
        self.assertTrue(any(re.search(r"account_id", line) for line in lines), out)
        for line in lines:
            self.assertNotRegex(line, r"\b(tags|tags_all|parent_id|principals|environments)\b",
                                "only the closed account may change:\n" + out)
        self.assertNotIn("must be replaced", out)

        # Every account closed: the tenant is gone from AWS, the plan creates it again.
        self.api.close_account(ids["staging"])
        self.api.close_account(ids["prod"])
        rc, out = self.plan(w)
        self.assertEqual(rc, 2, out)
        self.assertIn("Plan: 1 to add, 0 to change, 0 to destroy.", out)

    def test_import_by_name_then_plan_is_clean(self):
        self.start_localaws()
        t = Tenant(parent_id=self.api.create_ou(self.root, "data"))
        w, ids = self.create(t)

        with self.subTest("terraform import"):
            w2 = self.tenant_workdir(t)
            rc, out = self.tf(w2, "import", ADDR, TENANT)
            self.assertEqual(rc, 0, out)
            self.assertIn("Import successful!", out)
            self.assertEqual(self.check_state(w2, t), ids)
            self.assertNoChanges(w2)

        with self.subTest("import block"):
            w3 = self.tenant_workdir(t)
            w3.write("import.tf", 'import {\n  to = %s\n  id = "%s"\n}\n' % (ADDR, TENANT))
            rc, out = self.plan(w3)
            self.assertEqual(rc, 2, out)
            self.assertIn("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy.", out)
            self.apply(w3, "1 imported, 0 added, 0 changed, 0 destroyed")
            self.assertEqual(self.check_state(w3, t), ids)
            self.assertNoChanges(w3)

        with self.subTest("unknown tenant name"):
            w4 = self.tenant_workdir(Tenant(name="nobody", parent_id=t.parent_id))
            rc, out = self.tf(w4, "import", ADDR, "nobody")
            self.assertEqual(rc, 1, out)
            self.assertIn("Error:", out)
            diag = out[out.index("Error:"):]
            self.assertTrue("Cannot import non-existent remote object" in diag or
                            "nobody" in diag, out)
            self.assertTrue(self.state_has_no_resources(w4))

        # Nothing was created by importing: still exactly three tenant accounts.
        self.check_aws(t, ids)

    def test_destroy_retire_mode_moves_tags_and_keeps_accounts(self):
        self.start_localaws()
        retired = self.api.create_ou(self.root, "retired")
        t = Tenant(parent_id=self.api.create_ou(self.root, "data"), close_on_deletion=False,
                   retired_parent_id=retired)
        w, ids = self.create(t)

        # the destroy plan itself carries the warning
        rc, out = self.tf(w, "plan", "-destroy")
        self.assertEqual(rc, 0, out)
        self.assertIn("Plan: 0 to add, 0 to change, 1 to destroy.", out)
        m = re.search(r"Warning: (.*)", out)
        self.assertIsNotNone(m, "the destroy plan must warn that accounts are kept:\n" + out)
        self.assertRegex(out[m.start():].lower(), r"retire", out)
        self.assertEqual(len(self.api.list_accounts()), 4, "the plan changed nothing")

        rc, out = self.tf(w, "destroy", "-auto-approve")
        self.assertEqual(rc, 0, out)
        self.assertIn("Destroy complete! Resources: 1 destroyed.", out)
        m = re.search(r"Warning: (.*)", out)
        self.assertIsNotNone(m, "the destroy must warn that accounts are kept:\n" + out)
        self.assertRegex(out[m.start():].lower(), r"retire", out)
        self.assertTrue(self.state_has_no_resources(w))
        snapshot = self.api.state()
        for env, acct in ids.items():
            with self.subTest(env=env):
                self.assertEqual(self.api.describe_account(acct)["State"], "ACTIVE")
                self.assertEqual(self.api.parent_of(acct), retired)
                self.assertIn("unicron:retired", self.api.tags_of(acct))
                self.assertEqual(len(self.accounts_with_email(t.email(env), snapshot)), 1)
                inside = self.api.in_account(acct)
                for role in ROLE_NAMES.values():
                    self.assertIsNone(inside.get_role(role), "%s left in %s" % (role, env))

    def test_destroy_close_mode_closes_accounts(self):
        self.start_localaws()
        t = Tenant(parent_id=self.api.create_ou(self.root, "data"), close_on_deletion=True)
        w, ids = self.create(t)

        rc, out = self.tf(w, "destroy", "-auto-approve")
        self.assertEqual(rc, 0, out)
        self.assertIn("Destroy complete! Resources: 1 destroyed.", out)
        self.assertTrue(self.state_has_no_resources(w))
        snapshot = self.api.state()
        for env, acct in ids.items():
            with self.subTest(env=env):
                self.assertIn(self.api.describe_account(acct)["State"],
                              ("PENDING_CLOSURE", "SUSPENDED"))
                # access roles go before the account is closed
                roles = snapshot["iam"].get(acct, {}).get("roles", {})
                self.assertEqual(sorted(r for r in roles if r.startswith("unicron-")), [])
        self.assertEqual(self.api.stats()["operations"]["organizations"]["CloseAccount"], 3)


class TenantBadInputTest(TenantTestCase):

    def check_plan_error(self, tenant, text, line):
        self.start_localaws()
        w = self.tenant_workdir(tenant)
        before = self.api.stats()["operations"]
        rc, out = self.tf(w, "plan")
        self.assertEqual(rc, 1, out)
        self.assertIn("Error: " + text, out)
        self.assertEqual(out.count("Error:"), 1, "only the expected diagnostic:\n" + out)
        self.assertRegex(out, r"on main\.tf line \d+, in resource \"unicron_tenant\" \"t\"")
        self.assertRegex(out, r"\d+:\s+" + re.escape(line), out)
        # plan-time validation makes no AWS call
        self.assertEqual(self.api.stats()["operations"], before)

    def test_duplicate_email_across_environments(self):
        envs = [{"name": "dev", "email": "shared@example.com"},
                {"name": "staging", "email": "shared@example.com"}]
        self.check_plan_error(Tenant(envs=envs), "Duplicate account e-mail",
                              'email = "shared@example.com"')

    def test_access_principal_that_is_not_an_arn(self):
        access = [{"role": "admin", "principals": [ADMINS, "alice"]}]
        self.check_plan_error(Tenant(access=access), "Invalid IAM principal",
                              'principals = [%s, "alice"]' % q(ADMINS))

    def test_unknown_ou_is_an_apply_diagnostic_then_fixing_it_applies(self):
        self.start_localaws()
        real = self.api.create_ou(self.root, "data")
        missing = real[:real.rindex("-") + 1] + "zzzzzzzz"
        t = Tenant(parent_id=missing, envs=[{"name": "staging"}], access=[])
        w = self.tenant_workdir(t)
        rc, out = self.tf(w, "apply", "-auto-approve")
        self.assertEqual(rc, 1, out)
        self.assertIn("Error:", out)
        # The diagnostic names the operation, the AWS error code, the environment, the OU.
        diag = out[out.index("Error:"):]
        self.assertRegex(diag, r"\b(MoveAccount|DescribeOrganizationalUnit|ListParents|"
                               r"ListChildren|ListOrganizationalUnitsForParent)\b")
        self.assertRegex(diag, r"NotFound")
        self.assertIn("staging", diag)
        self.assertIn(missing, diag)
        self.assertRegex(diag, r"\d+:\s+parent_id = " + re.escape(q(missing)))

        # With an existing OU the next apply finishes the job, with one account (whether or not
        # the failed apply created it already).
        t.parent_id = real
        self.write_config(w, t)
        rc, out = self.tf(w, "apply", "-auto-approve")
        self.assertEqual(rc, 0, out)
        ids = self.check_state(w, t)
        self.check_aws(t, ids)
        self.assertNoChanges(w)


if __name__ == "__main__":
    unittest.main()
