"""A fleet of tenant workspaces for the drift runner's tests and benchmark (tools/drift): one
Terraform root per tenant under one directory, the provider installed from a filesystem mirror
(as a platform would from the release's mirror) with one shared plugin cache, each tenant created
by its own `terraform init` + `apply` against tools/localaws, a bounded number at a time.
Not a test module itself (no test_ prefix); test_drift_runner.py and bench/drift_bench.py use it.
"""
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import awsapi  # noqa: E402
import harness  # noqa: E402
import test_tenant  # noqa: E402

RUNNER = os.path.join(harness.REPO, "tools", "drift", "drift.py")
MIRROR_VERSION = "0.0.1"
PLATFORM = "linux_amd64"


def tenant_name(i):
    return "tenant-%02d" % i if i < 100 else "tenant-%03d" % i


def tenant(name, parent_id):
    """Two environments; the developer role in both (so deleting it in one is a drift)."""
    return test_tenant.Tenant(
        name=name, parent_id=parent_id,
        envs=[{"name": "dev", "tier": "economy"}, {"name": "prod"}],
        tags={"team": name, "project": "drift"},
        access=[{"role": "admin", "principals": [test_tenant.ADMINS]},
                {"role": "developer", "principals": [test_tenant.ENGINEERS],
                 "environments": ["dev", "prod"]}])


class Fleet:
    """N tenant workspaces in self.root/<tenant>/main.tf against one LocalAWS."""

    def __init__(self, localaws, count, parent_id):
        self.la = localaws
        self.count = count
        self.parent_id = parent_id
        self.base = tempfile.mkdtemp(prefix="unicron-drift-")
        self.root = os.path.join(self.base, "tenants")
        self.cache = os.path.join(self.base, "plugin-cache")
        mirror = os.path.join(self.base, "mirror")
        pdir = os.path.join(mirror, "registry.terraform.io", "unicron", "unicron",
                            MIRROR_VERSION, PLATFORM)
        os.makedirs(pdir)
        os.makedirs(self.cache)
        shutil.copy(harness.provider_binary(),
                    os.path.join(pdir, "terraform-provider-unicron_v" + MIRROR_VERSION))
        self.cli_config = os.path.join(self.base, "terraformrc")
        with open(self.cli_config, "w") as f:
            f.write('provider_installation {\n'
                    '  filesystem_mirror {\n    path    = "%s"\n'
                    '    include = ["registry.terraform.io/unicron/*"]\n  }\n'
                    '  direct {\n    exclude = ["registry.terraform.io/unicron/*"]\n  }\n'
                    '}\n' % mirror)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("TF_") and not k.startswith("AWS_") and k != "CI"}
        self.env.update({
            "TF_CLI_CONFIG_FILE": self.cli_config, "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1", "TF_PLUGIN_CACHE_DIR": self.cache, "HOME": self.base,
            "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"})
        self.names = [tenant_name(i) for i in range(1, count + 1)]
        self.tenants = {n: tenant(n, parent_id) for n in self.names}
        for n in self.names:
            self.write(n, self.tenants[n].hcl(localaws.url))

    def path(self, name):
        return os.path.join(self.root, name)

    def write(self, name, text):
        os.makedirs(self.path(name), exist_ok=True)
        with open(os.path.join(self.path(name), "main.tf"), "w") as f:
            f.write(text)

    def tf(self, name, *args, timeout=600):
        return subprocess.run(["terraform"] + list(args), cwd=self.path(name), env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def _tf_ok(self, name, *args):
        r = self.tf(name, *args)
        if r.returncode != 0:
            raise RuntimeError("%s: terraform %s failed:\n%s%s"
                               % (name, args[0], r.stdout[-3000:], r.stderr[-3000:]))

    def create_all(self, parallel=4):
        """init every tenant one after the other (Terraform's plugin cache is not safe for
        concurrent writers: parallel inits fail with "still not detected in
        .terraform/providers"), then apply them, `parallel` at a time."""
        for name in self.names:
            self._tf_ok(name, "init", "-input=false", "-no-color")
        with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
            list(pool.map(lambda n: self._tf_ok(n, "apply", "-auto-approve", "-input=false",
                                                "-no-color"), self.names))

    def account_ids(self, name):
        r = self.tf(name, "show", "-json")
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
        res = json.loads(r.stdout)["values"]["root_module"]["resources"][0]
        return res["values"]["account_ids"]

    def run(self, *args, timeout=900):
        """Runs tools/drift/drift.py with the fleet's environment; CompletedProcess."""
        r = subprocess.run([sys.executable, RUNNER] + list(args), env=self.env,
                           capture_output=True, timeout=timeout)
        # bytes, not text=True: universal newlines would hide a progress line's \r
        r.stdout, r.stderr = r.stdout.decode(), r.stderr.decode()
        return r

    def cleanup(self):
        shutil.rmtree(self.base, ignore_errors=True)


def out_of_band_api(localaws):
    return awsapi.AwsApi(localaws.url, retries=30)
