"""End to end: unicron_cluster with the real `terraform` binary, the built provider and
tools/localaws (issue 9). A tenant and its EKS cluster with two node groups (one SPOT): create,
no-op re-plan, the 1.33 -> 1.35 upgrade in one apply (one minor at a time, control plane before
node groups), scaling and label changes, an instance-types change (create-before-destroy),
drift made through the AWS API (desired size, logging, a deleted node group, a removed access
entry, an added tag), import, destroy, the kubeconfig output against the emulator's Kubernetes
API, and bad inputs. Every expectation comes from the issue and DESIGN.md §3, never from what
the provider happens to do. The slow cases (faults, SIGKILL, Ctrl-C) are in
test_cluster_faults.py, and the version agreement of provider and emulator in
test_cluster_versions.py.

Run: UNICRON_PROVIDER_BIN=build/terraform-provider-unicron python3 -m unittest discover \
     -s tests/e2e -p 'test_cluster*' -v

ClusterTestCase has no tests of its own; other test_cluster_*.py modules use it as
`test_cluster.ClusterTestCase`.
"""
import base64
import http.client
import json
import os
import re
import ssl
import subprocess
import sys
import threading
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import awsapi  # noqa: E402
import harness  # noqa: E402
import test_tenant  # noqa: E402  (used as test_tenant.X so its tests are not collected twice)

ADDR = "unicron_cluster.c"
TENANT_ADDR = "unicron_tenant.t"
CLUSTER = "data-dev"
REGION = "us-east-1"
MGMT = awsapi.MGMT_ACCOUNT
SUBNETS = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
# The access-role -> EKS access policy mapping of the issue.
TENANT_ROLE_POLICY = {
    "unicron-admin": "AmazonEKSClusterAdminPolicy",
    "unicron-developer": "AmazonEKSEditPolicy",
    "unicron-readonly": "AmazonEKSViewPolicy",
}
POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/%s"
CLUSTER_ROLE_POLICIES = ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]
NODE_ROLE_POLICIES = sorted(["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
                             "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
                             "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"])
ONCALL = "arn:aws:iam::%s:role/platform-oncall" % MGMT
DEPLOYER = "arn:aws:iam::%s:role/spark-deployer" % MGMT
EKS_TOKEN_EXE = "unicron-eks-token"
# "Today" for the EKS version policy, pinned in both localaws (--today) and the provider
# (UNICRON_EKS_TODAY), so the support status of 1.33 (extended) and 1.31 (past extended
# support) the tests rely on does not change as real time passes.
TODAY = "2026-12-03"

q = test_tenant.q
hcl_map = test_tenant.hcl_map
hcl_list = test_tenant.hcl_list


def node_group(name, instance_types, min_size, max_size, capacity_type=None, desired_size=None,
               labels=None, taints=None):
    return {"name": name, "instance_types": list(instance_types), "capacity_type": capacity_type,
            "min_size": min_size, "max_size": max_size, "desired_size": desired_size,
            "labels": dict(labels or {}), "taints": list(taints or [])}


class Cluster:
    """A unicron_cluster configuration (inside a tenant's dev account), rendered to HCL and
    used to compute what EKS must hold."""

    def __init__(self, name=CLUSTER, version="1.33", tier=None, node_groups=None,
                 access_entries=None, log_types=("api", "audit"), tags=None,
                 account_id_expr='unicron_tenant.t.account_ids["dev"]', subnets=None,
                 timeouts=True, public_access_cidrs=None):
        self.name = name
        self.version = version
        self.tier = tier
        self.node_groups = node_groups if node_groups is not None else [
            node_group("general", ["m6i.large"], 1, 3, desired_size=2),
            node_group("spot", ["m5.large", "m5a.large"], 0, 5, capacity_type="SPOT",
                       labels={"workload": "batch"},
                       taints=[{"key": "spot", "value": "true", "effect": "NO_SCHEDULE"}]),
        ]
        self.access_entries = access_entries if access_entries is not None else [
            {"principal_arn": ONCALL, "policy": "AmazonEKSViewPolicy"},
            {"principal_arn": DEPLOYER, "policy": "AmazonEKSEditPolicy",
             "namespaces": ["spark-jobs"]},
        ]
        self.log_types = list(log_types) if log_types is not None else None
        self.tags = dict(tags if tags is not None else {"team": "data"})
        self.account_id_expr = account_id_expr
        self.subnets = list(subnets or SUBNETS)
        self.timeouts = timeouts
        self.public_access_cidrs = public_access_cidrs

    def hcl(self):
        out = ['resource "unicron_cluster" "c" {\n  account_id = %s\n  name = %s\n'
               % (self.account_id_expr, q(self.name))]
        if self.version is not None:
            out.append("  kubernetes_version = %s\n" % q(self.version))
        if self.tier is not None:
            out.append("  tier = %s\n" % q(self.tier))
        out.append("  subnet_ids = %s\n" % hcl_list(self.subnets))
        if self.log_types is not None:
            out.append("  enabled_log_types = %s\n" % hcl_list(self.log_types))
        if self.public_access_cidrs is not None:
            out.append("  public_access_cidrs = %s\n" % hcl_list(self.public_access_cidrs))
        if self.tags:
            out.append("  tags = %s\n" % hcl_map(self.tags))
        for ng in self.node_groups:
            out.append("\n  node_group {\n    name = %s\n    instance_types = %s\n"
                       "    min_size = %d\n    max_size = %d\n"
                       % (q(ng["name"]), hcl_list(ng["instance_types"]), ng["min_size"],
                          ng["max_size"]))
            if ng["capacity_type"] is not None:
                out.append("    capacity_type = %s\n" % q(ng["capacity_type"]))
            if ng["desired_size"] is not None:
                out.append("    desired_size = %d\n" % ng["desired_size"])
            if ng["labels"]:
                out.append("    labels = %s\n" % hcl_map(ng["labels"]).replace("\n", "\n  "))
            for t in ng["taints"]:
                out.append("    taint {\n      key = %s\n" % q(t["key"]))
                if t.get("value") is not None:
                    out.append("      value = %s\n" % q(t["value"]))
                out.append("      effect = %s\n    }\n" % q(t["effect"]))
            out.append("  }\n")
        for e in self.access_entries:
            out.append("\n  access_entry {\n    principal_arn = %s\n    policy = %s\n"
                       % (q(e["principal_arn"]), q(e["policy"])))
            if e.get("namespaces") is not None:
                out.append("    namespaces = %s\n" % hcl_list(e["namespaces"]))
            out.append("  }\n")
        if self.timeouts:
            out.append("\n  timeouts {\n    create = \"10m\"\n    update = \"10m\"\n"
                       "    delete = \"10m\"\n  }\n")
        out.append("}\n")
        return "".join(out)

    # ---------------------------------------------------------------- expectations
    def effective_tier(self):
        return self.tier or "standard"

    def capacity_type(self, ng):
        if ng["capacity_type"]:
            return ng["capacity_type"]
        return "SPOT" if self.effective_tier() == "economy" else "ON_DEMAND"

    def tags_all(self):
        t = dict(test_tenant.DEFAULT_TAGS)
        t.update(self.tags)
        t["unicron:cluster"] = self.name
        t["unicron:tier"] = self.effective_tier()
        return t

    def ng(self, name):
        return next(g for g in self.node_groups if g["name"] == name)


def tenant():
    """The tenant the cluster lives in: one dev account with the three access roles."""
    return test_tenant.Tenant(
        envs=[{"name": "dev"}],
        access=[{"role": "admin", "principals": [test_tenant.ADMINS]},
                {"role": "developer", "principals": [test_tenant.ENGINEERS]},
                {"role": "readonly", "principals": [test_tenant.ANALYSTS]}])


def render(url, t, c):
    """main.tf: provider (every endpoint at localaws), the tenant, the cluster (when given)."""
    text = t.hcl(url)
    # the tenant test's provider block names three endpoints; the cluster needs EKS as well
    iam_line = "    iam           = %s\n" % q(url)
    assert iam_line in text
    text = text.replace(iam_line, iam_line + "    eks           = %s\n" % q(url), 1)
    if c is not None:
        text += "\n" + c.hcl()
        text += ('\noutput "kubeconfig" {\n  value = unicron_cluster.c.kubeconfig\n}\n')
    return text


def eks_name_matches(eks_name, name):
    """A node group's EKS name is its configured name, or that name plus a suffix once it was
    replaced (create-before-destroy needs a second name)."""
    return eks_name == name or eks_name.startswith(name + "-")


# ------------------------------------------------------------------ plan JSON
KEYED_BLOCKS = {"node_group": "name", "access_entry": "principal_arn"}


def _norm(v):
    if isinstance(v, list) and all(not isinstance(x, (dict, list)) for x in v):
        return sorted(v, key=lambda x: json.dumps(x))
    return v


def _has_unknown(u):
    if u is True:
        return True
    if isinstance(u, dict):
        return any(_has_unknown(x) for x in u.values())
    if isinstance(u, list):
        return any(_has_unknown(x) for x in u)
    return False


def changed_paths(before, after, unknown):
    """The attribute paths a planned change touches, as tuples: ("tags",), ("node_group",
    "spot") for a node group added or removed, ("node_group", "general", "min_size") for one
    attribute of a kept node group. Node groups and access entries are matched by name /
    principal, not by position; a value that becomes unknown counts as changed."""
    before, after, unknown = before or {}, after or {}, unknown or {}
    out = set()
    for k in set(before) | set(after) | set(unknown):
        b, a, u = before.get(k), after.get(k), unknown.get(k)
        if k in KEYED_BLOCKS and isinstance(b or a, list):
            key = KEYED_BLOCKS[k]
            bm = {e.get(key): e for e in b or []}
            am, um = {}, {}
            for i, e in enumerate(a or []):
                am[e.get(key)] = e
                um[e.get(key)] = (u[i] if isinstance(u, list) and i < len(u) else {}) or {}
            for name in set(bm) | set(am):
                if name not in bm or name not in am:
                    out.add((k, name))
                else:
                    out.update((k, name) + sub for sub in changed_paths(bm[name], am[name],
                                                                         um[name]))
        elif _has_unknown(u) or _norm(b) != _norm(a):
            out.add((k,))
    return out


class ClusterTestCase(test_tenant.TenantTestCase):
    """Helpers: LocalAWS, workdirs holding tenant + cluster, checks of EKS and IAM. TODAY (None:
    the real date) pins the version policy's date in localaws and the provider."""

    TODAY = TODAY

    def start_localaws(self, *args, async_delay_ms=100):
        pin = ("--today", self.TODAY) if self.TODAY else ()
        la = super().start_localaws("--role-propagation-ms", "100", *pin, *args,
                                    async_delay_ms=async_delay_ms)
        # the principals of the access_entry blocks exist (EKS checks that they do), and so
        # does the platform admins' role that may assume the tenant's unicron-admin role
        for arn in (ONCALL, DEPLOYER, test_tenant.ADMINS):
            try:
                self.api.create_role(arn.rsplit("/", 1)[1])
            except awsapi.AwsError as e:
                if e.code != "EntityAlreadyExists":  # a restart on a --state-file
                    raise
        return la

    def workdir(self, files=None, **kw):
        if self.TODAY:
            env = dict(kw.pop("env", None) or {})
            env.setdefault("UNICRON_EKS_TODAY", self.TODAY)
            kw["env"] = env
        return super().workdir(files, **kw)

    def cluster_workdir(self, c, t=None):
        t = t or tenant()
        w = self.workdir({"main.tf": render(self.la.url, t, c)}, localaws=self.la)
        return w

    def write_cluster(self, w, c, t=None):
        w.write("main.tf", render(self.la.url, t or tenant(), c))

    def create_cluster(self, c, *localaws_args, async_delay_ms=100):
        """LocalAWS + workdir + apply of tenant and cluster, checked; returns (workdir,
        account id)."""
        if not hasattr(self, "la"):
            self.start_localaws(*localaws_args, async_delay_ms=async_delay_ms)
        w = self.cluster_workdir(c)
        self.apply(w, "2 added, 0 changed, 0 destroyed")
        acct = self.account_ids(w)["dev"]
        self.check_cluster(w, c, acct)
        return w, acct

    def inside(self, acct):
        return self.api.in_account(acct)

    # ---------------------------------------------------------------- plan as JSON
    def plan_json(self, w):
        """plan -detailed-exitcode -out, then show -json: (exit code, text, plan document)."""
        rc, out = self.tf(w, "plan", "-detailed-exitcode", "-out=tfplan")
        self.assertIn(rc, (0, 2), "plan failed:\n" + out)
        r = w.tf("show", "-json", "tfplan")
        self.assertEqual(r.returncode, 0, r.stderr)
        return rc, out, json.loads(r.stdout)

    def cluster_change(self, plan):
        """The cluster's planned change; every other resource must be a no-op."""
        found = None
        for rc in plan.get("resource_changes", []):
            if rc["address"] == ADDR:
                found = rc["change"]
            else:
                self.assertEqual(rc["change"]["actions"], ["no-op"],
                                 "%s must not change" % rc["address"])
        self.assertIsNotNone(found, "no change of %s in the plan" % ADDR)
        return found

    def assertPlanChanges(self, w, must, allowed=()):
        """plan exits 2 with one in-place update of the cluster whose changed paths include
        every path of `must` and nothing outside `must` and `allowed` (a path matches an
        allowed prefix). Returns the plan text."""
        rc, out, plan = self.plan_json(w)
        self.assertEqual(rc, 2, "plan should show a change:\n" + out)
        self.assertIn("Plan: 0 to add, 1 to change, 0 to destroy.", out, out)
        ch = self.cluster_change(plan)
        self.assertEqual(ch["actions"], ["update"], out)
        paths = changed_paths(ch["before"], ch["after"], ch["after_unknown"])
        for m in must:
            self.assertIn(m, paths, "the plan must change %r; it changes %r:\n%s"
                          % (m, sorted(paths), out))
        ok = list(must) + list(allowed)
        for p in paths:
            self.assertTrue(any(p[:len(a)] == a for a in ok),
                            "the plan changes %r besides %r:\n%s" % (p, list(must), out))
        return out, ch

    def assertClusterNoChanges(self, w):
        out = self.assertNoChanges(w)
        self.assertNotIn("must be replaced", out)
        return out

    # ---------------------------------------------------------------- checks
    def check_cluster(self, w, c, acct):
        """State and AWS hold the cluster c: attributes, IAM roles, OIDC provider, access
        entries, node groups. Returns {configured node group name: EKS node group name}."""
        a = self.resource(w, ADDR)
        inside = self.inside(acct)
        self.assertEqual(a["id"], "%s/%s" % (acct, c.name))
        self.assertEqual(a["account_id"], acct)
        self.assertEqual(a["name"], c.name)
        self.assertEqual(a["kubernetes_version"], c.version)
        self.assertEqual(a["status"], "ACTIVE")
        self.assertEqual(a["arn"], "arn:aws:eks:%s:%s:cluster/%s" % (REGION, acct, c.name))
        self.assertEqual(a["tags_all"], c.tags_all())

        eks = inside.describe_cluster(c.name)
        self.assertIsNotNone(eks, "cluster %s missing in %s" % (c.name, acct))
        self.assertEqual(inside.list_clusters(), [c.name], "exactly one cluster")
        self.assertEqual(eks["status"], "ACTIVE")
        self.assertEqual(eks["version"], c.version)
        self.assertEqual(a["platform_version"], eks["platformVersion"])
        self.assertEqual(eks["accessConfig"]["authenticationMode"], "API")
        self.assertEqual(sorted(eks["resourcesVpcConfig"]["subnetIds"]), sorted(c.subnets))
        self.assertEqual(a["endpoint"], eks["endpoint"])
        self.assertEqual(a["certificate_authority_data"], eks["certificateAuthority"]["data"])
        self.assertEqual(a["oidc_issuer_url"], eks["identity"]["oidc"]["issuer"])
        self.assertEqual(a["cluster_security_group_id"],
                         eks["resourcesVpcConfig"]["clusterSecurityGroupId"])
        enabled = set()
        for entry in eks["logging"]["clusterLogging"]:
            if entry.get("enabled"):
                enabled.update(entry["types"])
        self.assertEqual(enabled, set(c.log_types or []))
        self.assertEqual(sorted(eks["resourcesVpcConfig"]["publicAccessCidrs"]),
                         sorted(c.public_access_cidrs or ["0.0.0.0/0"]))
        self.assertEqual(eks["tags"], c.tags_all())

        # IAM roles of the control plane and the nodes, with their managed policies
        cluster_role = "unicron-%s-cluster" % c.name
        node_role = "unicron-%s-node" % c.name
        self.assertEqual(a["cluster_role_arn"], "arn:aws:iam::%s:role/%s" % (acct, cluster_role))
        self.assertEqual(a["node_role_arn"], "arn:aws:iam::%s:role/%s" % (acct, node_role))
        self.assertEqual(eks["roleArn"], a["cluster_role_arn"])
        self.assertEqual(inside.list_attached_role_policies(cluster_role), CLUSTER_ROLE_POLICIES)
        self.assertEqual(inside.list_attached_role_policies(node_role), NODE_ROLE_POLICIES)
        self.assertEqual(service_principals(inside.get_role(cluster_role)),
                         {"eks.amazonaws.com"})
        self.assertEqual(service_principals(inside.get_role(node_role)), {"ec2.amazonaws.com"})

        # the IAM OIDC provider of the cluster's issuer (IRSA)
        issuer = eks["identity"]["oidc"]["issuer"]
        host_path = issuer.split("://", 1)[1]
        self.assertEqual(a["oidc_provider_arn"],
                         "arn:aws:iam::%s:oidc-provider/%s" % (acct, host_path))
        self.assertEqual(inside.list_oidc_providers(), [a["oidc_provider_arn"]])
        oidc = inside.get_oidc_provider(a["oidc_provider_arn"])
        self.assertEqual(oidc["Url"].split("://", 1)[-1], host_path)
        self.assertIn("sts.amazonaws.com", oidc["ClientIDList"])

        self.check_access_entries(inside, c, acct)
        if "tenant_access_entries" in a:
            self.assertEqual(a["tenant_access_entries"], TENANT_ROLE_POLICY)
        return self.check_node_groups(a, inside, c)

    def check_access_entries(self, inside, c, acct):
        """The tenant's three access roles and every access_entry block have their entry and
        policy; EKS' own entries (the creator, the node role) may exist beside them."""
        entries = inside.list_access_entries(c.name)
        want = {"arn:aws:iam::%s:role/%s" % (acct, role): (POLICY_ARN % policy, None)
                for role, policy in TENANT_ROLE_POLICY.items()}
        for e in c.access_entries:
            want[e["principal_arn"]] = (POLICY_ARN % e["policy"], e.get("namespaces"))
        for principal, (policy, namespaces) in sorted(want.items()):
            with self.subTest(access_entry=principal):
                self.assertIn(principal, entries)
                assoc = inside.associated_access_policies(c.name, principal)
                self.assertEqual([p["policyArn"] for p in assoc], [policy])
                scope = assoc[0]["accessScope"]
                if namespaces:
                    self.assertEqual(scope["type"], "namespace")
                    self.assertEqual(sorted(scope["namespaces"]), sorted(namespaces))
                else:
                    self.assertEqual(scope["type"], "cluster")
        others = [e for e in entries if e not in want]
        allowed = {"arn:aws:iam::%s:role/unicron-%s-node" % (acct, c.name),
                   "arn:aws:iam::%s:role/%s" % (acct, awsapi.ACCOUNT_ACCESS_ROLE)}
        self.assertEqual([e for e in others if e not in allowed], [],
                         "unexpected access entries")

    def check_node_groups(self, a, inside, c):
        """Every configured node group in state and in EKS, nothing else in EKS."""
        self.assertEqual([g["name"] for g in a["node_group"]], [g["name"] for g in c.node_groups])
        eks_names = inside.list_nodegroups(c.name)
        mapping = {}
        for ng, st in zip(c.node_groups, a["node_group"]):
            with self.subTest(node_group=ng["name"]):
                matches = [n for n in eks_names if eks_name_matches(n, ng["name"])]
                self.assertEqual(len(matches), 1, "EKS node groups for %s: %r"
                                 % (ng["name"], eks_names))
                mapping[ng["name"]] = matches[0]
                if "eks_name" in st:
                    self.assertEqual(st["eks_name"], matches[0])
                d = inside.describe_nodegroup(c.name, matches[0])
                self.assertEqual(st["arn"], d["nodegroupArn"])
                self.assertEqual(d["status"], "ACTIVE")
                self.assertEqual(st["status"], "ACTIVE")
                self.assertEqual(d["version"], c.version)
                self.assertEqual(st["version"], c.version)
                self.assertEqual(d["capacityType"], c.capacity_type(ng))
                self.assertEqual(st["capacity_type"], c.capacity_type(ng))
                self.assertEqual(d["instanceTypes"], ng["instance_types"])
                self.assertEqual(st["instance_types"], ng["instance_types"])
                self.assertEqual(d["scalingConfig"]["minSize"], ng["min_size"])
                self.assertEqual(d["scalingConfig"]["maxSize"], ng["max_size"])
                self.assertEqual(st["min_size"], ng["min_size"])
                self.assertEqual(st["max_size"], ng["max_size"])
                self.assertEqual(d["labels"] or {}, ng["labels"])
                self.assertEqual(
                    sorted((t["key"], t.get("value"), t["effect"]) for t in d["taints"] or []),
                    sorted((t["key"], t.get("value"), t["effect"]) for t in ng["taints"]))
                self.assertEqual(d["nodeRole"], a["node_role_arn"])
                self.assertEqual(sorted(d["subnets"]), sorted(c.subnets))
                # the cluster's tags_all, plus the group's own bookkeeping tags
                want = dict(c.tags_all(), **{"unicron:node-group": ng["name"]})
                have = dict(d.get("tags") or {})
                self.assertTrue(have.pop("unicron:desired-size", None), "unicron:desired-size")
                self.assertEqual(have, want, "node group tags")
                self.assertEqual(st["tags_all"], c.tags_all())
        self.assertEqual(sorted(eks_names), sorted(mapping.values()),
                         "EKS holds node groups that are not configured")
        return mapping

    def assertNothingLeft(self, acct, cluster=CLUSTER):
        """No cluster, node group, OIDC provider or unicron-* role in the account."""
        inside = self.inside(acct)
        self.assertEqual(inside.list_clusters(), [])
        self.assertIsNone(inside.describe_cluster(cluster))
        self.assertEqual(inside.list_oidc_providers(), [])
        self.assertEqual([r for r in inside.list_roles() if r.startswith("unicron-")], [])


def service_principals(role):
    out = set()
    for st in (role or {}).get("AssumeRolePolicyDocument", {}).get("Statement", []):
        if st.get("Effect") != "Allow":
            continue
        svc = (st.get("Principal") or {}).get("Service", [])
        out.update([svc] if isinstance(svc, str) else svc)
    return out


# ------------------------------------------------------------------ kubeconfig
def parse_yaml(text):
    """The YAML subset a kubeconfig is written in: block mappings and sequences (also "- k: v"
    items), plain / single- / double-quoted scalars, flow `{}` / `[]` and JSON flow values.
    Enough for `aws eks update-kubeconfig`-shaped files; raises ValueError otherwise."""
    stripped = text.strip()
    if stripped.startswith("{"):
        return json.loads(stripped)
    lines = []
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#") or raw.strip() == "---":
            continue
        if "\t" in raw[:len(raw) - len(raw.lstrip())]:
            raise ValueError("tab indentation: %r" % raw)
        lines.append((len(raw) - len(raw.lstrip(" ")), raw.strip()))
    value, pos = _yaml_block(lines, 0, lines[0][0] if lines else 0)
    if pos != len(lines):
        raise ValueError("unparsed YAML from line %r" % (lines[pos][1],))
    return value


def _yaml_scalar(s):
    s = s.strip()
    if s == "" or s in ("~", "null"):
        return None
    if s[0] == '"':
        return json.loads(s)
    if s[0] == "'":
        if not s.endswith("'"):
            raise ValueError("unterminated scalar %r" % s)
        return s[1:-1].replace("''", "'")
    if s[0] in "[{":
        if s in ("[]", "{}"):
            return [] if s == "[]" else {}
        return json.loads(s)
    if s in ("true", "false"):
        return s == "true"
    if re.fullmatch(r"-?\d+", s):
        return int(s)
    return s


def _yaml_split_key(s):
    """'key: value' -> (key, value text) or None when s is not a mapping entry."""
    if s[0] in "\"'":
        end = s.index(s[0], 1)
        key, rest = _yaml_scalar(s[:end + 1]), s[end + 1:]
        if not rest.startswith(":"):
            return None
        return key, rest[1:]
    m = re.match(r"^([^:#\[\]{},]+?):(\s+|$)(.*)$", s)
    if not m:
        return None
    return m.group(1), m.group(3)


def _yaml_block(lines, pos, indent):
    if pos >= len(lines):
        return None, pos
    if lines[pos][1].startswith("- ") or lines[pos][1] == "-":
        out = []
        while pos < len(lines) and lines[pos][0] == indent and \
                (lines[pos][1].startswith("- ") or lines[pos][1] == "-"):
            rest = lines[pos][1][2:].strip() if lines[pos][1] != "-" else ""
            if rest == "":
                if pos + 1 < len(lines) and lines[pos + 1][0] > indent:
                    v, pos = _yaml_block(lines, pos + 1, lines[pos + 1][0])
                else:
                    v, pos = None, pos + 1
                out.append(v)
            elif _yaml_split_key(rest) is not None:
                # "- key: value" starts a mapping whose other keys sit at indent + 2
                sub_indent = indent + 2
                lines[pos] = (sub_indent, rest)
                v, pos = _yaml_block(lines, pos, sub_indent)
                out.append(v)
            else:
                out.append(_yaml_scalar(rest))
                pos += 1
        return out, pos
    out = {}
    while pos < len(lines) and lines[pos][0] == indent:
        kv = _yaml_split_key(lines[pos][1])
        if kv is None:
            raise ValueError("not a mapping entry: %r" % (lines[pos][1],))
        key, rest = kv
        pos += 1
        if rest.strip() == "":
            if pos < len(lines) and (lines[pos][0] > indent or
                                     (lines[pos][0] == indent and
                                      lines[pos][1].startswith("- "))):
                out[key], pos = _yaml_block(lines, pos, lines[pos][0])
            else:
                out[key] = None
        else:
            out[key] = _yaml_scalar(rest)
    return out, pos


def eks_token_binary():
    return os.environ.get("UNICRON_EKS_TOKEN_BIN") or os.path.join(
        os.path.dirname(harness.provider_binary()), EKS_TOKEN_EXE)


SECRET_KEYS = {"token", "tokenFile", "client-key-data", "client-certificate-data", "password",
               "username", "auth-provider"}


def walk_keys(doc):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield k, v
            yield from walk_keys(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from walk_keys(v)


# ------------------------------------------------------------------ tests
class ClusterLifecycleTest(ClusterTestCase):

    def test_create_upgrade_two_minors_scale_and_replace_node_group(self):
        c = Cluster(version="1.33")
        w, acct = self.create_cluster(c)
        self.assertClusterNoChanges(w)
        inside = self.inside(acct)
        first = self.check_cluster(w, c, acct)

        with self.subTest("upgrade 1.33 -> 1.35 in one apply, one minor at a time"):
            c.version = "1.35"
            self.write_cluster(w, c)
            out, ch = self.assertPlanChanges(
                w, must=[("kubernetes_version",)],
                allowed=[("platform_version",), ("status",), ("node_group", "general",
                                                               "version"),
                         ("node_group", "general", "status"), ("node_group", "spot", "version"),
                         ("node_group", "spot", "status")])
            self.assertNotIn("must be replaced", out)
            self.apply(w, "0 added, 1 changed, 0 destroyed")
            self.assertEqual(self.check_cluster(w, c, acct), first, "node groups were kept")
            self.check_upgrade_order(inside, c, first, ["1.34", "1.35"])
            self.assertNotIn("ResourceInUseException", w.trace(),
                             "an update was sent while another one ran")
            self.assertClusterNoChanges(w)

        with self.subTest("scaling change in place"):
            c.ng("general")["min_size"], c.ng("general")["max_size"] = 2, 4
            self.write_cluster(w, c)
            self.assertPlanChanges(w, must=[("node_group", "general", "min_size"),
                                            ("node_group", "general", "max_size")],
                                   allowed=[("node_group", "general", "status")])
            self.apply(w, "0 added, 1 changed, 0 destroyed")
            self.assertEqual(self.check_cluster(w, c, acct), first, "node groups were kept")
            ups = [u for u in inside.updates(c.name, first["general"])
                   if u["type"] == "ConfigUpdate"]
            self.assertEqual(len(ups), 1, ups)
            self.assertEqual(ups[0]["status"], "Successful")
            self.assertClusterNoChanges(w)

        with self.subTest("labels and taints change in place"):
            spot = c.ng("spot")
            spot["labels"] = {"workload": "batch", "pool": "spot"}
            spot["taints"] = [{"key": "spot", "value": "yes", "effect": "NO_EXECUTE"}]
            self.write_cluster(w, c)
            self.assertPlanChanges(w, must=[("node_group", "spot", "labels"),
                                            ("node_group", "spot", "taint")],
                                   allowed=[("node_group", "spot", "status")])
            self.apply(w, "0 added, 1 changed, 0 destroyed")
            self.assertEqual(self.check_cluster(w, c, acct), first, "node groups were kept")
            self.assertClusterNoChanges(w)

        with self.subTest("public CIDRs and logging in one apply, one update at a time"):
            c.public_access_cidrs = ["203.0.113.0/24"]
            c.log_types = ["api", "audit", "scheduler"]
            self.write_cluster(w, c)
            self.assertPlanChanges(w, must=[("public_access_cidrs",), ("enabled_log_types",)])
            self.apply(w, "0 added, 1 changed, 0 destroyed")
            self.assertEqual(self.check_cluster(w, c, acct), first, "node groups were kept")
            kinds = sorted(u["type"] for u in inside.updates(c.name)
                           if u["type"] != "VersionUpdate")
            self.assertEqual(kinds, ["EndpointAccessUpdate", "LoggingUpdate"])
            self.assertNotIn("ResourceInUseException", w.trace())
            self.assertClusterNoChanges(w)

        with self.subTest("node group added and another removed in place"):
            c.node_groups.append(node_group("extra", ["c6i.large"], 0, 2))
            self.write_cluster(w, c)
            self.assertPlanChanges(w, must=[("node_group", "extra")])
            self.apply(w, "0 added, 1 changed, 0 destroyed")
            self.check_cluster(w, c, acct)
            c.node_groups = [g for g in c.node_groups if g["name"] != "extra"]
            self.write_cluster(w, c)
            self.assertPlanChanges(w, must=[("node_group", "extra")])
            self.apply(w, "0 added, 1 changed, 0 destroyed")
            self.assertEqual(self.check_cluster(w, c, acct), first)
            self.assertClusterNoChanges(w)

        with self.subTest("instance types change: create before destroy"):
            old_arn = self.node_group_state(w, "general")["arn"]
            c.ng("general")["instance_types"] = ["m6i.xlarge"]
            self.write_cluster(w, c)
            out, ch = self.assertPlanChanges(
                w, must=[("node_group", "general", "instance_types")],
                allowed=[("node_group", "general", "arn"), ("node_group", "general", "status"),
                         ("node_group", "general", "version"),
                         ("node_group", "general", "eks_name")])
            watcher = NodeGroupWatcher(inside, c.name, "general")
            watcher.start()
            try:
                self.apply(w, "0 added, 1 changed, 0 destroyed")
            finally:
                watcher.stop()
            now = self.check_cluster(w, c, acct)
            self.assertNotEqual(now["general"], first["general"], "a new node group")
            self.assertEqual(now["spot"], first["spot"], "the spot group was kept")
            self.assertNotEqual(self.node_group_state(w, "general")["arn"], old_arn)
            self.assertIsNone(inside.describe_nodegroup(c.name, first["general"]),
                              "the old node group is deleted")
            watcher.check(self, old=first["general"], new=now["general"])
            self.check_replacement_history(c.name, first["general"], now["general"])
            self.assertClusterNoChanges(w)

    def node_group_state(self, w, name):
        return next(g for g in self.resource(w, ADDR)["node_group"] if g["name"] == name)

    def check_upgrade_order(self, inside, c, groups, steps):
        """The updates EKS recorded: control plane step 1, every node group step 1, control
        plane step 2, every node group step 2 (by DescribeUpdate createdAt), all Successful,
        each one minor."""
        cp = [u for u in inside.updates(c.name) if u["type"] == "VersionUpdate"]
        self.assertEqual([param(u, "Version") for u in cp], steps, cp)
        for u in cp:
            self.assertEqual(u["status"], "Successful", u)
        bounds = [u["createdAt"] for u in cp] + [float("inf")]
        for name, eks_name in groups.items():
            ng = [u for u in inside.updates(c.name, eks_name) if u["type"] == "VersionUpdate"]
            with self.subTest(node_group=name):
                self.assertEqual([param(u, "Version") for u in ng], steps, ng)
                for i, u in enumerate(ng):
                    self.assertEqual(u["status"], "Successful", u)
                    self.assertGreater(u["createdAt"], bounds[i],
                                       "node group step %s before its control plane step"
                                       % steps[i])
                    self.assertLess(u["createdAt"], bounds[i + 1],
                                    "control plane step %s before the node groups caught up"
                                    % (steps[i + 1] if i + 1 < len(steps) else "-"))
        history = emulator_history(self.api, cluster=c.name)
        self.assertIsNotNone(history, "localaws has no event history")
        check_history_upgrade_order(self, history, c.name, groups, steps)

    def check_replacement_history(self, cluster, old, new):
        history = emulator_history(self.api, cluster=cluster, kind="nodegroup")
        self.assertIsNotNone(history, "localaws has no event history")
        check_history_replacement(self, history, old, new)

    def test_drift_kubeconfig_import_and_destroy(self):
        c = Cluster(version="1.35")
        w, acct = self.create_cluster(c)
        inside = self.inside(acct)
        groups = self.check_cluster(w, c, acct)

        with self.subTest("kubeconfig: exec auth, no secret, reaches the Kubernetes API"):
            self.check_kubeconfig(w, c, acct)

        with self.subTest("out-of-band desired_size change is not drift"):
            ng = inside.describe_nodegroup(c.name, groups["general"])
            desired = 3 if ng["scalingConfig"]["desiredSize"] != 3 else 1
            u = inside.update_nodegroup_config(c.name, groups["general"],
                                               {"scalingConfig": {"desiredSize": desired}})
            self.assertEqual(inside.wait_cluster_update(c.name, u["id"], groups["general"])
                             ["status"], "Successful")
            self.assertClusterNoChanges(w)

        with self.subTest("out-of-band logging change"):
            u = inside.set_logging(c.name, ["audit"], False)
            self.assertEqual(inside.wait_cluster_update(c.name, u["id"])["status"], "Successful")
            out, ch = self.assertPlanChanges(w, must=[("enabled_log_types",)])
            self.assertEqual(sorted(ch["before"]["enabled_log_types"]), ["api"])
            self.assertEqual(sorted(ch["after"]["enabled_log_types"]), ["api", "audit"])
            self.apply(w, "0 added, 1 changed, 0 destroyed")
            groups = self.check_cluster(w, c, acct)
            self.assertClusterNoChanges(w)

        with self.subTest("node group deleted out of band"):
            inside.delete_nodegroup(c.name, groups["spot"])
            inside.wait_nodegroup(c.name, groups["spot"], None)
            out, ch = self.assertPlanChanges(w, must=[("node_group", "spot")])
            self.assertEqual([g["name"] for g in ch["before"]["node_group"]], ["general"])
            self.apply(w, "0 added, 1 changed, 0 destroyed")
            now = self.check_cluster(w, c, acct)
            self.assertEqual(now["general"], groups["general"])
            groups = now
            self.assertClusterNoChanges(w)

        with self.subTest("access entry removed out of band"):
            inside.delete_access_entry(c.name, DEPLOYER)
            out, ch = self.assertPlanChanges(w, must=[("access_entry", DEPLOYER)])
            self.assertIn(DEPLOYER, out)
            self.apply(w, "0 added, 1 changed, 0 destroyed")
            groups = self.check_cluster(w, c, acct)
            self.assertClusterNoChanges(w)

        with self.subTest("a tenant role's access entry removed out of band"):
            readonly = "arn:aws:iam::%s:role/unicron-readonly" % acct
            inside.delete_access_entry(c.name, readonly)
            out, ch = self.assertPlanChanges(w, must=[("tenant_access_entries",)])
            self.assertEqual(ch["before"]["tenant_access_entries"].get("unicron-readonly"), "")
            self.apply(w, "0 added, 1 changed, 0 destroyed")
            self.assertIn(readonly, inside.list_access_entries(c.name))
            groups = self.check_cluster(w, c, acct)
            self.assertClusterNoChanges(w)

        with self.subTest("tag added out of band"):
            inside.eks_tag(self.resource(w, ADDR)["arn"], {"added-by": "console"})
            out, ch = self.assertPlanChanges(w, must=[("tags_all",)], allowed=[("tags",)])
            self.assertIn("added-by", out)
            self.apply(w, "0 added, 1 changed, 0 destroyed")
            self.assertNotIn("added-by", inside.eks_tags(self.resource(w, ADDR)["arn"]))
            groups = self.check_cluster(w, c, acct)
            self.assertClusterNoChanges(w)

        with self.subTest("import of a cluster that does not exist"):
            w4 = self.cluster_workdir(Cluster(name="nobody", account_id_expr=q(acct)))
            rc, out = self.tf(w4, "import", ADDR, "%s/nobody" % acct)
            self.assertEqual(rc, 1, out)
            self.assertIn("Error:", out)
            self.assertIsNone(inside.describe_cluster("nobody"))

        with self.subTest("import id that is not <account_id>/<name>"):
            w5 = self.cluster_workdir(Cluster(version=c.version, account_id_expr=q(acct)))
            rc, out = self.tf(w5, "import", ADDR, c.name)
            self.assertEqual(rc, 1, out)
            self.assertIn("Error:", out)
            self.assertIn("<account_id>/<name>", out)
        self.assertEqual(inside.list_clusters(), [c.name], "imports created nothing")

        with self.subTest("destroy leaves nothing in the account"):
            since = self.api.admin("GET", "/_localaws/history")["lastSeq"]
            rc, out = self.tf(w, "destroy", "-auto-approve")
            self.assertEqual(rc, 0, out)
            self.assertIn("Destroy complete! Resources: 2 destroyed.", out)
            self.assertTrue(self.state_has_no_resources(w))
            self.assertNothingLeft(acct, c.name)
            # node groups first (in parallel), then the cluster
            events = emulator_history(self.api, account=acct, cluster=c.name,
                                      event="delete_requested", since=since)
            order = [(e["kind"], e["name"]) for e in events]
            self.assertEqual(sorted(order[:-1]),
                             sorted(("nodegroup", n) for n in groups.values()), order)
            self.assertEqual(order[-1], ("cluster", c.name), order)

    def test_import_into_an_empty_state_plans_no_changes(self):
        c = Cluster(version="1.35")
        w, acct = self.create_cluster(c)
        inside = self.inside(acct)
        groups = self.check_cluster(w, c, acct)
        # the autoscaler has scaled a group since: desired_size is never drift, not even after
        # an import
        u = inside.update_nodegroup_config(c.name, groups["general"],
                                           {"scalingConfig": {"desiredSize": 3}})
        inside.wait_cluster_update(c.name, u["id"], groups["general"])

        cluster_id = "%s/%s" % (acct, c.name)
        with self.subTest("terraform import into an empty state"):
            w2 = self.cluster_workdir(c)
            rc, out = self.tf(w2, "import", TENANT_ADDR, test_tenant.TENANT)
            self.assertEqual(rc, 0, out)
            rc, out = self.tf(w2, "import", ADDR, cluster_id)
            self.assertEqual(rc, 0, out)
            self.assertIn("Import successful!", out)
            self.assertClusterNoChanges(w2)
            self.assertEqual(self.check_cluster(w2, c, acct), groups)

        with self.subTest("import block"):
            lone = Cluster(version=c.version, account_id_expr=q(acct))
            head = render(self.la.url, tenant(), None)
            w3 = self.workdir({"main.tf": head + "\n" + lone.hcl()}, localaws=self.la)
            w3.write("import.tf", 'import {\n  to = %s\n  id = %s\n}\n'
                     'import {\n  to = %s\n  id = %s\n}\n'
                     % (TENANT_ADDR, q(test_tenant.TENANT), ADDR, q(cluster_id)))
            rc, out = self.plan(w3)
            self.assertEqual(rc, 2, out)
            self.assertIn("Plan: 2 to import, 0 to add, 0 to change, 0 to destroy.", out)
            self.apply(w3, "2 imported, 0 added, 0 changed, 0 destroyed")
            self.assertClusterNoChanges(w3)

        # imports created nothing
        self.assertEqual(inside.list_clusters(), [c.name])
        self.assertEqual(self.check_cluster(w, c, acct), groups)

    def test_tags_change_reaches_the_cluster_and_its_node_groups(self):
        c = Cluster(version="1.35", access_entries=[])
        w, acct = self.create_cluster(c)
        groups = self.check_cluster(w, c, acct)
        c.tags = {"team": "data", "budget": "q4"}
        self.write_cluster(w, c)
        out, _ = self.assertPlanChanges(
            w, must=[("tags",), ("tags_all",)] + [("node_group", g["name"], "tags_all")
                                                  for g in c.node_groups])
        self.assertIn('+ "budget"', out)
        self.apply(w, "0 added, 1 changed, 0 destroyed")
        self.assertEqual(self.check_cluster(w, c, acct), groups, "node groups were kept")
        # the cluster's IAM roles carry tags_all too; a key taken out of tags leaves them
        inside = self.inside(acct)
        for kind in ("cluster", "node"):
            self.assertEqual(inside.role_tags("unicron-%s-%s" % (c.name, kind)).get("budget"),
                             "q4")
        c.tags = {"team": "data"}
        self.write_cluster(w, c)
        self.apply(w, "0 added, 1 changed, 0 destroyed")
        for kind in ("cluster", "node"):
            self.assertNotIn("budget", inside.role_tags("unicron-%s-%s" % (c.name, kind)))
        self.assertEqual(self.check_cluster(w, c, acct), groups, "node groups were kept")
        self.assertClusterNoChanges(w)


    def test_existing_iam_roles_are_adopted(self):
        # roles left by an interrupted apply (or made by hand): same names, no policies
        self.start_localaws()
        c = Cluster(version="1.35", node_groups=[node_group("general", ["m6i.large"], 1, 2)],
                    access_entries=[])
        w = self.workdir({"main.tf": render(self.la.url, tenant(), None)}, localaws=self.la)
        self.apply(w)
        acct = self.account_ids(w)["dev"]
        inside = self.inside(acct)
        inside.create_role("unicron-%s-cluster" % c.name, trusted_service="eks.amazonaws.com")
        inside.create_role("unicron-%s-node" % c.name, trusted_service="ec2.amazonaws.com")
        self.write_cluster(w, c)
        self.apply(w)
        self.check_cluster(w, c, acct)
        self.assertClusterNoChanges(w)

    def test_transitional_states_warn_and_cluster_deleted_out_of_band(self):
        c = Cluster(version="1.35", node_groups=[node_group("general", ["m6i.large"], 1, 3)],
                    access_entries=[])
        w, acct = self.create_cluster(c)
        inside = self.inside(acct)
        groups = self.check_cluster(w, c, acct)

        with self.subTest("node group UPDATING: a warning on refresh, no drift"):
            self.api.hold(acct, c.name, "nodegroup", groups["general"])
            inside.update_nodegroup_config(c.name, groups["general"],
                                           {"scalingConfig": {"desiredSize": 3}})
            self.assertEqual(inside.describe_nodegroup(c.name, groups["general"])["status"],
                             "UPDATING")
            out = self.assertClusterNoChanges(w)
            self.assertRegex(out, r"Warning: ", out)
            self.assertIn("UPDATING", out[out.index("Warning: "):])
            self.api.hold(acct, c.name, "nodegroup", groups["general"], hold=False)
            inside.wait_nodegroup(c.name, groups["general"], "ACTIVE")

        with self.subTest("cluster UPDATING: a warning on refresh, no drift"):
            self.api.hold(acct, c.name, "cluster")
            u = inside.set_logging(c.name, ["scheduler"], True)
            self.assertEqual(inside.describe_cluster(c.name)["status"], "UPDATING")
            out = self.assertClusterNoChanges(w)
            self.assertIn("UPDATING", out[out.index("Warning: "):])
            self.api.hold(acct, c.name, "cluster", hold=False)
            inside.wait_cluster_update(c.name, u["id"])
            # once the update is done, the logging change is drift like any other
            self.assertPlanChanges(w, must=[("enabled_log_types",)])
            self.apply(w, "0 added, 1 changed, 0 destroyed")
            self.check_cluster(w, c, acct)

        with self.subTest("cluster deleted out of band: the plan creates it again"):
            for ng in inside.list_nodegroups(c.name):
                inside.delete_nodegroup(c.name, ng)
            for ng in groups.values():
                inside.wait_nodegroup(c.name, ng, None)
            inside.delete_cluster(c.name)
            inside.wait_cluster_gone(c.name)
            # as `eksctl delete cluster` does; a new cluster gets a new issuer and provider
            inside.delete_oidc_provider(self.resource(w, ADDR)["oidc_provider_arn"])
            rc, out, plan = self.plan_json(w)
            self.assertEqual(rc, 2, out)
            self.assertIn("Plan: 1 to add, 0 to change, 0 to destroy.", out)
            self.assertEqual(self.cluster_change(plan)["actions"], ["create"])
            self.apply(w, "1 added, 0 changed, 0 destroyed")
            self.check_cluster(w, c, acct)
            self.assertClusterNoChanges(w)

    def check_kubeconfig(self, w, c, acct):
        a = self.resource(w, ADDR)
        text = a["kubeconfig"]
        self.assertTrue(text, "kubeconfig is empty")
        r = w.tf("output", "-raw", "kubeconfig")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), text.strip(), "the output is the attribute")
        kc = parse_yaml(text)
        self.assertEqual(kc.get("apiVersion"), "v1")
        self.assertEqual(kc.get("kind"), "Config")
        ctx_name = kc["current-context"]
        ctx = next(x["context"] for x in kc["contexts"] if x["name"] == ctx_name)
        cl = next(x["cluster"] for x in kc["clusters"] if x["name"] == ctx["cluster"])
        user = next(x["user"] for x in kc["users"] if x["name"] == ctx["user"])
        self.assertEqual(cl["server"], a["endpoint"])
        self.assertEqual(cl["certificate-authority-data"], a["certificate_authority_data"])

        # exec auth through `aws eks get-token` for this cluster; no secret anywhere
        exe = user["exec"]
        self.assertTrue(exe["apiVersion"].startswith("client.authentication.k8s.io/"), exe)
        self.assertEqual(os.path.basename(exe["command"]), "aws")
        args = [str(x) for x in exe.get("args") or []]
        self.assertIn("get-token", args)
        self.assertEqual(args[args.index("get-token") - 1], "eks", args)
        self.assertEqual(args[args.index("--cluster-name") + 1], c.name)
        if "--region" in args:
            self.assertEqual(args[args.index("--region") + 1], REGION)
        for k, v in walk_keys(kc):
            self.assertNotIn(k, SECRET_KEYS, "the kubeconfig holds %s" % k)
        for e in exe.get("env") or []:
            self.assertNotIn(e["name"], ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                                         "AWS_ACCESS_KEY_ID"), "credentials in the kubeconfig")
        self.assertNotIn("k8s-aws-v1.", text)
        self.assertNotIn("Bearer", text)
        # the kubeconfig is for this account: a role to assume, if named, is in it
        role_arn = args[args.index("--role-arn") + 1] if "--role-arn" in args else None
        if role_arn is not None:
            self.assertRegex(role_arn, r"^arn:aws:iam::%s:role/" % acct)

        # What kubectl does: run the exec command, send its token to the server with the CA.
        # `aws` is played by the provider's own token code (tests/tools/eks_token.c) with the
        # credentials of a tenant admin: the platform admins' role, then the tenant's
        # unicron-admin role in the account (its access entry lets it in), or the role the
        # kubeconfig names with --role-arn.
        tool = eks_token_binary()
        if not os.access(tool, os.X_OK):
            self.fail("%s not built (UNICRON_TESTS=ON builds it)" % tool)
        admins = awsapi.AwsApi(self.la.url, self.api.assume_role(test_tenant.ADMINS, "admin"),
                               retries=30)
        role = role_arn or "arn:aws:iam::%s:role/unicron-admin" % acct
        try:
            akid, secret, session = self.api.assume_role(role, "kubectl")
        except awsapi.AwsError as e:
            if e.code != "AccessDenied":
                raise
            akid, secret, session = admins.assume_role(role, "kubectl")
        env = {"PATH": os.environ.get("PATH", ""), "AWS_ACCESS_KEY_ID": akid,
               "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": session,
               "AWS_REGION": REGION, "AWS_ENDPOINT_URL": self.la.url}
        for e in exe.get("env") or []:
            if e["name"] not in ("AWS_PROFILE",):
                env[e["name"]] = e["value"]
        tool_args = [x for x in args if x not in ("--role-arn", role_arn)]
        r = subprocess.run([tool] + tool_args, env=env, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        cred = json.loads(r.stdout)
        self.assertEqual(cred["kind"], "ExecCredential")
        token = cred["status"]["token"]
        ca = base64.b64decode(cl["certificate-authority-data"]).decode()
        for path, check in (("/version", lambda d: self.assertIn("gitVersion", d)),
                            ("/api/v1/namespaces", lambda d: self.assertIn(
                                "default", [n["metadata"]["name"] for n in d["items"]]))):
            status, doc = kube_get(cl["server"], path, ca, token)
            self.assertEqual(status, 200, doc)
            check(doc)
        status, _ = kube_get(cl["server"], "/api/v1/namespaces", ca, None)
        self.assertEqual(status, 401, "the API needs the token")


def kube_get(server, path, ca_pem, token):
    """GET server+path over TLS verified with the cluster CA: (status, decoded body)."""
    u = urllib.parse.urlsplit(server)
    ctx = ssl.create_default_context(cadata=ca_pem)
    conn = http.client.HTTPSConnection(u.hostname, u.port or 443, context=ctx, timeout=30)
    try:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        conn.request("GET", u.path.rstrip("/") + path, headers=headers)
        r = conn.getresponse()
        body = r.read()
        try:
            return r.status, json.loads(body)
        except ValueError:
            return r.status, body
    finally:
        conn.close()


def param(update, name):
    return next((p["value"] for p in update.get("params", []) if p["type"] == name), None)


# ------------------------------------------------------------------ emulator history
def emulator_history(api, **filters):
    """The emulator's ordered event history (GET /_localaws/history, docs/localaws.md), filtered
    by account / cluster / kind / name / event; None when this localaws has none."""
    query = urllib.parse.urlencode(sorted(filters.items()))
    try:
        doc = api.admin("GET", "/_localaws/history" + ("?" + query if query else ""))
    except awsapi.AwsError:
        return None
    return doc["events"]


def check_history_upgrade_order(tc, events, cluster, groups, steps):
    """In the history, the starts of the version updates: control plane step 1, each node
    group step 1, control plane step 2, ..., each node group's step finished before the next
    control-plane step started."""
    started, start_seq, finished = [], {}, {}
    for e in events:
        if e.get("cluster") != cluster or e.get("type", "VersionUpdate") != "VersionUpdate":
            continue
        version = param(e, "Version")
        if version is None:
            continue
        who = None if e["kind"] == "cluster" else e["name"]
        if e["event"] == "update_started":
            started.append((who, version))
            start_seq[(who, version)] = e["seq"]
        elif e["event"] == "update_finished":
            finished[(who, version)] = e["seq"]
    tc.assertEqual([s for s in started if s[0] is None], [(None, v) for v in steps], started)
    pos = {s: i for i, s in enumerate(started)}
    for i, v in enumerate(steps):
        for eks_name in groups.values():
            tc.assertIn((eks_name, v), pos, "node group %s never started %s: %r"
                        % (eks_name, v, started))
            tc.assertGreater(pos[(eks_name, v)], pos[(None, v)], started)
            if i + 1 < len(steps):
                nxt = (None, steps[i + 1])
                tc.assertLess(pos[(eks_name, v)], pos[nxt], started)
                tc.assertLess(finished.get((eks_name, v), float("inf")), start_seq[nxt],
                              "control plane %s started before node group %s finished %s"
                              % (steps[i + 1], eks_name, v))


def check_history_replacement(tc, events, old, new):
    """The new node group became ACTIVE before the old one's deletion was requested."""
    active = deleting = None
    for e in events:
        if e.get("kind") != "nodegroup":
            continue
        if e["name"] == new and e["event"] == "status" and e.get("status") == "ACTIVE" and \
                active is None:
            active = e["seq"]
        if e["name"] == old and e["event"] == "delete_requested" and deleting is None:
            deleting = e["seq"]
    tc.assertIsNotNone(active, "the new node group never became ACTIVE in the history")
    tc.assertIsNotNone(deleting, "the old node group's deletion is not in the history")
    tc.assertLess(active, deleting, "the old node group was deleted before the new one was "
                                    "ACTIVE")


class NodeGroupWatcher:
    """Polls a cluster's node groups while an apply runs and records what it saw, to check
    create-before-destroy from outside: whenever the old group is DELETING or gone, the new
    one must already be ACTIVE."""

    def __init__(self, api, cluster, name):
        self.api, self.cluster, self.name = api, cluster, name
        self.samples = []
        self.errors = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join(30)

    def _run(self):
        while not self._stop.is_set():
            try:
                snap = {}
                for n in self.api.list_nodegroups(self.cluster):
                    if eks_name_matches(n, self.name):
                        ng = self.api.describe_nodegroup(self.cluster, n)
                        if ng is not None:
                            snap[n] = ng["status"]
                self.samples.append(snap)
            except Exception as e:  # noqa: BLE001 - recorded, reported by check()
                self.errors.append(repr(e))
            self._stop.wait(0.03)

    def check(self, tc, old, new):
        tc.assertEqual(self.errors, [], "the watcher's AWS calls failed")
        tc.assertTrue(self.samples, "no samples")
        seen_old = False
        for s in self.samples:
            if old in s:
                seen_old = True
            old_state = s.get(old, "GONE" if seen_old else None)
            if old_state in ("DELETING", "GONE"):
                tc.assertEqual(s.get(new), "ACTIVE",
                               "old node group %s while the new one is %s: %r"
                               % (old_state, s.get(new), s))
            tc.assertTrue(any(st in ("ACTIVE", "UPDATING") for st in s.values()),
                          "no usable %s node group at some point: %r" % (self.name, s))


class ClusterBadInputTest(ClusterTestCase):
    """Bad inputs: a diagnostic on the attribute (exit 1, the attribute's line), no AWS call."""

    def check_plan_error(self, c, text, line, w=None, calls_allowed=False):
        if not hasattr(self, "la"):
            self.start_localaws()
        if w is None:
            w = self.workdir({"main.tf": render(self.la.url, tenant(), None).split(
                'resource "unicron_tenant"')[0] + c.hcl()}, localaws=self.la)
        else:
            self.write_cluster(w, c)
        before = self.api.stats()["operations"]
        rc, out = self.tf(w, "plan")
        self.assertEqual(rc, 1, out)
        self.assertRegex(out, r"(?i)Error: .*" + text, out)
        self.assertEqual(out.count("Error:"), 1, "only the expected diagnostic:\n" + out)
        self.assertRegex(out, r"on main\.tf line \d+, in resource \"unicron_cluster\" \"c\"",
                         out)
        self.assertRegex(out, r"\d+:\s+" + re.escape(line), out)
        if not calls_allowed:
            self.assertEqual(self.api.stats()["operations"], before,
                             "plan-time validation makes no AWS call")
        return out

    def lone(self, **kw):
        return Cluster(account_id_expr=q("123456789012"), **kw)

    def test_one_subnet(self):
        self.check_plan_error(self.lone(version="1.35", subnets=[SUBNETS[0]]),
                              "subnet", "subnet_ids = %s" % hcl_list([SUBNETS[0]]))

    def test_version_past_extended_support(self):
        out = self.check_plan_error(self.lone(version="1.31"), "(support|kubernetes)",
                                    'kubernetes_version = "1.31"')
        self.assertRegex(out, r"(?i)extended support")

    def test_unknown_access_policy(self):
        entries = [{"principal_arn": ONCALL, "policy": "AmazonEKSSuperUserPolicy"}]
        out = self.check_plan_error(self.lone(version="1.35", access_entries=entries),
                                    "(policy|access)",
                                    'policy = "AmazonEKSSuperUserPolicy"')
        self.assertIn("AmazonEKSViewPolicy", out, "the diagnostic names the valid policies")

    def test_downgrade_is_a_plan_error_on_the_attribute(self):
        c = Cluster(version="1.35", node_groups=[], access_entries=[])
        w, acct = self.create_cluster(c)
        c.version = "1.34"
        out = self.check_plan_error(c, "downgrade", 'kubernetes_version = "1.34"', w=w,
                                    calls_allowed=True)
        self.assertIn("1.35", out)
        # nothing was changed: the cluster still runs 1.35
        self.assertEqual(self.inside(acct).describe_cluster(c.name)["version"], "1.35")

    def test_aws_error_names_operation_code_and_principal_then_fix_applies(self):
        # an access entry for a principal that does not exist: EKS refuses it at apply
        missing = "arn:aws:iam::%s:role/nobody-here" % MGMT
        c = Cluster(version="1.35", node_groups=[node_group("general", ["m6i.large"], 1, 2)],
                    access_entries=[{"principal_arn": missing, "policy": "AmazonEKSViewPolicy"}])
        self.start_localaws()
        w = self.cluster_workdir(c)
        rc, out = self.tf(w, "apply", "-auto-approve")
        self.assertEqual(rc, 1, out)
        diag = out[out.index("Error:"):]
        self.assertIn("CreateAccessEntry", diag)
        self.assertRegex(diag, r"InvalidParameter|ResourceNotFound")
        self.assertIn(missing, diag)
        # the next apply with a principal that exists finishes the cluster: one cluster
        c.access_entries = [{"principal_arn": ONCALL, "policy": "AmazonEKSViewPolicy"}]
        self.write_cluster(w, c)
        rc, out = self.tf(w, "apply", "-auto-approve")
        self.assertEqual(rc, 0, out)
        acct = self.account_ids(w)["dev"]
        self.check_cluster(w, c, acct)
        self.assertNotIn(missing, self.inside(acct).list_access_entries(c.name))
        self.assertClusterNoChanges(w)

    def test_extended_support_and_newer_than_known_versions_are_warnings(self):
        self.start_localaws()
        with self.subTest("extended support: a cost warning naming the next minor"):
            c = self.lone(version="1.33")
            w = self.workdir({"main.tf": render(self.la.url, tenant(), None).split(
                'resource "unicron_tenant"')[0] + c.hcl()}, localaws=self.la)
            rc, out = self.tf(w, "plan")
            self.assertEqual(rc, 0, out)
            self.assertIn("Warning:", out)
            warn = out[out.index("Warning:"):]
            self.assertRegex(warn, r"(?i)extended support")
            self.assertIn("$0.60", warn)
            self.assertIn("$0.10", warn)
            self.assertIn("1.34", warn, "the warning names the next minor")
        with self.subTest("a minor newer than the provider knows: warning, not error"):
            c = self.lone(version="1.99")
            w.write("main.tf", render(self.la.url, tenant(), None).split(
                'resource "unicron_tenant"')[0] + c.hcl())
            rc, out = self.tf(w, "plan")
            self.assertEqual(rc, 0, out)
            self.assertIn("Warning:", out)
            self.assertIn("1.99", out[out.index("Warning:"):])


if __name__ == "__main__":
    unittest.main()
