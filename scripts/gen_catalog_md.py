#!/usr/bin/env python3
"""Writes docs/catalog.md from the catalog compiled into the built provider, read through the
data source unicron_addon_catalog with the real `terraform` binary (no AWS call is made).

Usage: python3 scripts/gen_catalog_md.py [--check] [--provider build/terraform-provider-unicron]
  --check  exit 1 when docs/catalog.md differs from what the provider says (tests/e2e/test_docs.py
           runs the same comparison).
Standard library only.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.path.join(REPO, "docs", "catalog.md")

MAIN_TF = '''terraform {
  required_providers {
    unicron = { source = "unicron/unicron" }
  }
}
provider "unicron" {
  region = "us-east-1"
}
data "unicron_addon_catalog" "all" {}
output "components" { value = data.unicron_addon_catalog.all.components }
'''

KIND_TEXT = {
    "eks": "EKS managed add-ons (`CreateAddon`); the version is the one EKS recommends for the "
           "cluster's Kubernetes version unless `version` pins another.",
    "capability": "EKS Capabilities run by AWS (`CreateCapability`); no version to choose.",
    "argocd": "Helm charts (or Git paths) delivered as Argo CD Applications; they need the "
              "`argo-cd` component on the cluster first.",
}


def components(provider):
    """The data source's components list, read with terraform and the given provider binary."""
    d = tempfile.mkdtemp(prefix="unicron-catalog-")
    try:
        rc = os.path.join(d, ".terraformrc")
        with open(rc, "w") as f:
            f.write('provider_installation {\n  dev_overrides { "unicron/unicron" = "%s" }\n'
                    '  direct {}\n}\n' % os.path.dirname(os.path.abspath(provider)))
        with open(os.path.join(d, "main.tf"), "w") as f:
            f.write(MAIN_TF)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("TF_") and not k.startswith("AWS_")}
        env.update({"TF_CLI_CONFIG_FILE": rc, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1",
                    "HOME": d, "AWS_ACCESS_KEY_ID": "unused", "AWS_SECRET_ACCESS_KEY": "unused"})
        for args in (["apply", "-auto-approve", "-input=false", "-no-color"],
                     ["output", "-json", "components"]):
            r = subprocess.run(["terraform"] + args, cwd=d, env=env, capture_output=True,
                               text=True, timeout=120)
            if r.returncode != 0:
                raise RuntimeError("terraform %s failed: %s" % (args[0], r.stderr))
        return json.loads(r.stdout)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def cell(v):
    return "`%s`" % v if v else "–"


def render(comps):
    out = ["# The unicron add-on catalog\n",
           "Generated from the catalog compiled into the provider by "
           "`scripts/gen_catalog_md.py` (through the `unicron_addon_catalog` data source); "
           "`tests/e2e/test_docs.py` keeps it in step. Install a component with "
           "[`unicron_addon`](resources/addon.md); browse it from HCL with "
           "[`unicron_addon_catalog`](data-sources/addon_catalog.md).\n"]
    for kind in ("eks", "capability", "argocd"):
        rows = [c for c in comps if c["kind"] == kind]
        out.append("## `%s` (%d)\n" % (kind, len(rows)))
        out.append(KIND_TEXT[kind] + "\n")
        if kind == "eks":
            out.append("| name | EKS add-on | namespace | description |")
            out.append("|---|---|---|---|")
            for c in rows:
                out.append("| `%s` | %s | %s | %s |" % (c["name"], cell(c["eks_addon_name"]),
                                                      cell(c["namespace"]), c["description"]))
        elif kind == "capability":
            out.append("| name | capability type | namespace | description |")
            out.append("|---|---|---|---|")
            for c in rows:
                out.append("| `%s` | %s | %s | %s |" % (c["name"], cell(c["capability_type"]),
                                                      cell(c["namespace"]), c["description"]))
        else:
            out.append("| name | source | chart / path | default version | namespace | "
                       "description |")
            out.append("|---|---|---|---|---|---|")
            for c in rows:
                out.append("| `%s` | %s | %s | %s | %s | %s |" % (
                    c["name"], cell(c["repo_url"]), cell(c["chart"] or c["path"]),
                    cell(c["default_version"]), cell(c["namespace"]), c["description"]))
        out.append("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--provider", default=os.environ.get("UNICRON_PROVIDER_BIN") or os.path.join(
        REPO, "build", "terraform-provider-unicron"))
    args = ap.parse_args()
    text = render(components(args.provider))
    if args.check:
        with open(OUT) as f:
            if f.read() != text:
                print("docs/catalog.md is out of date: run scripts/gen_catalog_md.py",
                      file=sys.stderr)
                return 1
        return 0
    with open(OUT, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
