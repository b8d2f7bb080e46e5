"""End to end: plan-time validation of the provider block and the three resources with the real
`terraform` binary. Every invalid configuration must fail (exit code 1) with the diagnostic text
and point at the attribute's line; the examples/ configuration must validate and plan.

Run: UNICRON_PROVIDER_BIN=build/terraform-provider-unicron python3 -m unittest \
     tests/e2e/test_res_validation.py
"""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

PROVIDER = '''
terraform {
  required_providers {
    unicron = { source = "unicron/unicron" }
  }
}
provider "unicron" {
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"
%s
}
'''

TENANT_OK = '''
resource "unicron_tenant" "t" {
  name           = %(name)s
  email_template = %(template)s
  parent_id      = %(parent)s
%(envs)s
  access {
    role       = "admin"
    principals = [%(principal)s]
  }
%(extra)s
}
'''

CLUSTER = '''
resource "unicron_cluster" "c" {
  account_id         = "123456789012"
  name               = "data-dev"
  kubernetes_version = %(version)s
  subnet_ids         = ["subnet-0123abcd"]
  public_access_cidrs = [%(cidr)s]
  node_group {
    name          = "general"
    capacity_type = %(capacity)s
    min_size      = %(min)s
    max_size      = 5
    desired_size  = %(desired)s
  }
%(extra)s
}
'''

ADDON = '''
resource "unicron_addon" "a" {
  cluster_id = "123456789012/data-dev"
  name       = %(name)s
}
'''


def tenant(**kw):
    v = {"name": '"data"', "template": '"aws+{tenant}-{environment}@example.com"',
         "parent": '"r-ab12"', "principal": '"arn:aws:iam::123456789012:root"',
         "envs": '  environment {\n    name = "dev"\n  }\n', "extra": ""}
    v.update(kw)
    return TENANT_OK % v


def cluster(**kw):
    v = {"version": '"1.35"', "cidr": '"10.0.0.0/8"', "capacity": '"SPOT"', "min": "1",
         "desired": "2", "extra": ""}
    v.update(kw)
    return CLUSTER % v


def env_blocks(*names):
    return "".join('  environment {\n    name = "%s"\n  }\n' % n for n in names)


# (name, resources HCL, provider body, diagnostic text, attribute line text)
CASES = [
    ("bad slug", tenant(name='"Data_Science"'), "", "Invalid tenant name",
     'name           = "Data_Science"'),
    ("bad email template", tenant(template='"aws+{env}@example.com"'), "",
     "Unknown placeholder {env}", 'email_template = "aws+{env}@example.com"'),
    ("duplicate environment", tenant(envs=env_blocks("dev", "dev")), "",
     "Duplicate environment", 'name = "dev"'),
    ("four environments", tenant(envs=env_blocks("dev", "staging", "prod", "dev")), "",
     "Too many environment blocks", None),
    ("bad OU id", tenant(parent='"ou-12"'), "", "Invalid organization parent id",
     'parent_id      = "ou-12"'),
    ("principal not an ARN", tenant(principal='"alice"'), "", "Invalid IAM principal",
     'principals = ["alice"]'),
    ("bad CIDR", cluster(cidr='"10.0.0.1/8"'), "", 'did you mean "10.0.0.0/8"',
     'public_access_cidrs = ["10.0.0.1/8"]'),
    ("bad Kubernetes version", cluster(version='"1.20"'), "", "Unsupported Kubernetes version",
     'kubernetes_version = "1.20"'),
    ("min greater than desired", cluster(min="3", desired="2"), "",
     "desired_size (2) is less than min_size (3)", "desired_size  = 2"),
    ("bad capacity type", cluster(capacity='"spot"'), "", 'did you mean "SPOT"',
     'capacity_type = "spot"'),
    ("unknown catalog name", ADDON % {"name": '"spark-operater"'}, "",
     'Did you mean "spark-operator"?', 'name       = "spark-operater"'),
    ("bad duration in timeouts",
     tenant(extra='  timeouts {\n    create = "1d"\n  }\n'), "", "unknown unit",
     'create = "1d"'),
    ("bad provider retry_mode", tenant(), '  retry_mode = "fast"', 'expected one of "standard"',
     'retry_mode = "fast"'),
    ("bad provider assume_role ARN", tenant(), '  assume_role {\n    role_arn = "admin"\n  }',
     "Invalid IAM role ARN", 'role_arn = "admin"'),
    ("bad web identity role ARN", tenant(),
     '  token = "t"\n  assume_role_with_web_identity {\n    role_arn = "arn:aws:iam::1:role/x"\n  }',
     "Invalid IAM role ARN", None),
]


class ValidationTest(harness.ProviderTestCase):

    def check_invalid(self, name, resources, provider_body, text, line):
        w = self.workdir({"main.tf": PROVIDER % provider_body + resources})
        r = w.tf("validate", "-no-color")
        out = harness.strip_ansi(r.stdout + r.stderr)
        self.assertEqual(r.returncode, 1, "%s: exit %d\n%s" % (name, r.returncode, out))
        self.assertIn("Error:", out, name)
        # Terraform wraps long details: compare with whitespace collapsed.
        flat = " ".join(out.split())
        self.assertIn(text, flat, "%s: diagnostic text missing\n%s" % (name, out))
        self.assertRegex(out, r"on main\.tf line \d+", name)
        if line is not None:
            # Terraform prints the configuration line the diagnostic points at.
            self.assertRegex(out, r"\d+:\s+" + re.escape(line),
                             "%s: not pointed at %r\n%s" % (name, line, out))
        self.assertTraceClean(w)

    def test_invalid_configurations(self):
        for case in CASES:
            with self.subTest(case[0]):
                self.check_invalid(*case)

    def test_plan_reports_the_attribute(self):
        # plan runs the same validation; the attribute is named in the "in resource" header.
        w = self.workdir({"main.tf": PROVIDER % "" + tenant(name='"x"')})
        r = w.tf("plan", "-no-color", "-input=false")
        out = harness.strip_ansi(r.stdout + r.stderr)
        self.assertEqual(r.returncode, 1, out)
        self.assertIn('in resource "unicron_tenant" "t"', out)
        self.assertIn("Invalid tenant name", out)

    def read_examples(self):
        files = {}
        exdir = os.path.join(harness.REPO, "examples")
        for name in sorted(os.listdir(exdir)):
            if name.endswith(".tf"):
                with open(os.path.join(exdir, name)) as f:
                    files[name] = f.read()
        self.assertIn("main.tf", files)
        return files

    def test_examples_validate_and_plan(self):
        for protocol in (6, 5):
            with self.subTest(protocol=protocol):
                w = self.workdir(self.read_examples(), protocol=protocol)
                r = w.tf("validate", "-no-color")
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                r = w.tf("plan", "-no-color", "-input=false")
                out = harness.strip_ansi(r.stdout + r.stderr)
                self.assertEqual(r.returncode, 0, out)
                self.assertIn("6 to add, 0 to change, 0 to destroy", out)
                # unknowns flow tenant -> cluster -> add-on
                self.assertRegex(out, r"account_id\s+= \(known after apply\)")
                self.assertRegex(out, r"cluster_id\s+= \(known after apply\)")
                self.assertRegex(out, r'kind\s+= "argocd"')
                self.assertTraceClean(w)


if __name__ == "__main__":
    unittest.main()
