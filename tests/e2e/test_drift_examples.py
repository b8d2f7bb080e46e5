"""The pipelines users copy (issue 12) are checked structurally: examples/ci/github-actions
(workflows and the composite action) and examples/argo (the CronWorkflow and its ServiceAccount /
ConfigMap) parse as YAML; the Argo objects use only fields of the Argo Workflows CRD schema
(v3.6 / v4: `schedules`, not `schedule`), every template and step reference resolves and every
parameter is wired; GitHub jobs/needs/outputs/step ids and action inputs are consistent; every
drift.py command line in them uses options the runner has; the example tenant workspaces pass
`terraform fmt -check` and `terraform validate` against the built provider, and the CLI
configurations they ship are accepted by terraform.
"""
import glob
import importlib.util
import os
import re
import shlex
import subprocess
import tempfile
import unittest

import yaml

import harness

EXAMPLES = os.path.join(harness.REPO, "examples")
GHA = os.path.join(EXAMPLES, "ci", "github-actions")
ARGO = os.path.join(EXAMPLES, "argo")
TENANTS = os.path.join(EXAMPLES, "ci", "tenants")

_spec = importlib.util.spec_from_file_location(
    "unicron_drift_cli", os.path.join(harness.REPO, "tools", "drift", "drift.py"))
drift_cli = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(drift_cli)


def load_all(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def strings(node):
    """Every string inside a parsed YAML tree."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


def drift_commands(text):
    """Each drift.py command line in a shell script (continuation lines joined):
    (subcommand, [--options])."""
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        m = re.search(r"drift\.py\b(.*)", line)
        if not m:
            continue
        rest = m.group(1).split("||")[0].split(">")[0]
        words = shlex.split(rest)
        cmd = words[0] if words and words[0] in drift_cli.SUBCOMMANDS else "run"
        out.append((cmd, [w.split("=")[0] for w in words if w.startswith("--")]))
    return out


class RunnerFlagsMixin:
    def assertRunnerFlags(self, texts, where):
        found = 0
        for text in texts:
            for cmd, flags in drift_commands(text):
                found += 1
                known = set(drift_cli._parser(cmd)._option_string_actions)
                for flag in flags:
                    self.assertIn(flag, known, "%s: drift.py %s has no %s" % (where, cmd, flag))
        return found


# ---------------------------------------------------------------- Argo Workflows
# Field names of the Argo Workflows CRD (argoproj.io_cronworkflows.yaml, v4 openAPIV3Schema) for
# the object types these examples use; a misspelt or removed field is an error.
ARGO_FIELDS = {
    "CronWorkflowSpec": {"concurrencyPolicy", "failedJobsHistoryLimit", "schedules",
                         "startingDeadlineSeconds", "stopStrategy",
                         "successfulJobsHistoryLimit", "suspend", "timezone", "when",
                         "workflowMetadata", "workflowSpec"},
    "WorkflowSpec": {"activeDeadlineSeconds", "affinity", "archiveLogs", "arguments",
                     "artifactGC", "artifactRepositoryRef", "automountServiceAccountToken",
                     "dnsConfig", "dnsPolicy", "entrypoint", "executor", "executorPlugins",
                     "hooks", "hostAliases", "hostNetwork", "imagePullSecrets", "metrics",
                     "nodeSelector", "onExit", "parallelism", "podDisruptionBudget", "podGC",
                     "podMetadata", "podPriorityClassName", "podResources", "podSpecPatch",
                     "priority", "resourceClaims", "retryStrategy", "schedulerName",
                     "securityContext", "serviceAccountName", "shutdown", "suspend",
                     "synchronization", "templateDefaults", "templates", "tolerations",
                     "ttlStrategy", "volumeClaimGC", "volumeClaimTemplates", "volumes",
                     "workflowMetadata", "workflowTemplateRef"},
    "Template": {"activeDeadlineSeconds", "affinity", "annotations", "archiveLocation",
                 "automountServiceAccountToken", "container", "containerSet", "daemon", "dag",
                 "data", "executor", "failFast", "hostAliases", "http", "initContainers",
                 "inputs", "memoize", "metadata", "metrics", "name", "nodeSelector", "outputs",
                 "parallelism", "pendingTimeout", "plugin", "podResources", "podSpecPatch",
                 "priorityClassName", "resource", "resourceClaims", "retryStrategy",
                 "schedulerName", "script", "securityContext", "serviceAccountName",
                 "sidecars", "steps", "suspend", "synchronization", "timeout", "tolerations",
                 "volumes"},
    "WorkflowStep": {"arguments", "continueOn", "hooks", "inline", "name", "onExit",
                     "template", "templateRef", "when", "withItems", "withParam",
                     "withSequence"},
    "Inputs": {"artifacts", "parameters"},
    "Outputs": {"artifacts", "exitCode", "parameters", "result"},
    "Arguments": {"artifacts", "parameters"},
    "Parameter": {"default", "description", "enum", "globalName", "name", "value",
                  "valueFrom"},
    "ValueFrom": {"configMapKeyRef", "default", "event", "expression", "jqFilter",
                  "jsonPath", "parameter", "path", "supplied"},
    "Artifact": {"archive", "archiveLogs", "artifactGC", "artifactory", "azure", "deleted",
                 "from", "fromExpression", "gcs", "git", "globalName", "hdfs", "http", "mode",
                 "name", "optional", "oss", "path", "plugin", "raw", "recurseMode", "s3",
                 "subPath"},
    "GitArtifact": {"branch", "depth", "disableSubmodules", "fetch", "insecureIgnoreHostKey",
                    "insecureSkipTLS", "passwordSecret", "repo", "revision", "singleBranch",
                    "sshPrivateKeySecret", "usernameSecret"},
    "S3Artifact": {"accessKeySecret", "addressingStyle", "bucket", "caSecret",
                   "createBucketIfNotPresent", "encryptionOptions", "endpoint", "insecure",
                   "key", "region", "roleARN", "secretKeySecret", "sessionTokenSecret",
                   "useSDKCreds"},
    "ArchiveStrategy": {"none", "tar", "zip"},
    "RetryStrategy": {"affinity", "backoff", "expression", "limit", "retryPolicy"},
    "PodGC": {"deleteDelayDuration", "labelSelector", "strategy"},
    "TTLStrategy": {"secondsAfterCompletion", "secondsAfterFailure", "secondsAfterSuccess"},
    "Container": {"args", "command", "env", "envFrom", "image", "imagePullPolicy", "lifecycle",
                  "livenessProbe", "name", "ports", "readinessProbe", "resizePolicy",
                  "resources", "restartPolicy", "restartPolicyRules", "securityContext",
                  "startupProbe", "stdin", "stdinOnce", "terminationMessagePath",
                  "terminationMessagePolicy", "tty", "volumeDevices", "volumeMounts",
                  "workingDir"},
}
ARGO_FIELDS["ScriptTemplate"] = ARGO_FIELDS["Container"] | {"source"}
TEMPLATE_KINDS = ("container", "script", "steps", "dag", "resource", "suspend", "containerSet",
                  "data", "http", "plugin")


def _fields(test, kind, obj, where):
    test.assertIsInstance(obj, dict, where)
    unknown = set(obj) - ARGO_FIELDS[kind]
    test.assertEqual(unknown, set(), "%s: not fields of %s in the Argo CRD" % (where, kind))


def check_argo_schema(test, spec):
    _fields(test, "CronWorkflowSpec", spec, "spec")
    ws = spec["workflowSpec"]
    _fields(test, "WorkflowSpec", ws, "workflowSpec")
    _fields(test, "Arguments", ws.get("arguments", {}), "workflowSpec.arguments")
    for p in ws.get("arguments", {}).get("parameters", []):
        _fields(test, "Parameter", p, "workflowSpec.arguments.parameters")
    if "podGC" in ws:
        _fields(test, "PodGC", ws["podGC"], "podGC")
    if "ttlStrategy" in ws:
        _fields(test, "TTLStrategy", ws["ttlStrategy"], "ttlStrategy")
    for t in ws["templates"]:
        where = "template %s" % t.get("name")
        _fields(test, "Template", t, where)
        for io_kind, io in (("Inputs", t.get("inputs")), ("Outputs", t.get("outputs"))):
            if io is None:
                continue
            _fields(test, io_kind, io, where + " " + io_kind)
            for p in io.get("parameters", []):
                _fields(test, "Parameter", p, where + " parameter")
                test.assertIn("name", p)
                if "valueFrom" in p:
                    _fields(test, "ValueFrom", p["valueFrom"], where + " valueFrom")
            for a in io.get("artifacts", []):
                _fields(test, "Artifact", a, where + " artifact")
                test.assertIn("name", a)
                for sub, kind in (("git", "GitArtifact"), ("s3", "S3Artifact"),
                                  ("archive", "ArchiveStrategy")):
                    if sub in a:
                        _fields(test, kind, a[sub], "%s artifact %s" % (where, sub))
        if "retryStrategy" in t:
            _fields(test, "RetryStrategy", t["retryStrategy"], where + " retryStrategy")
        if "container" in t:
            _fields(test, "Container", t["container"], where + " container")
        if "script" in t:
            _fields(test, "ScriptTemplate", t["script"], where + " script")
            test.assertIn("source", t["script"])
        for group in t.get("steps", []):
            test.assertIsInstance(group, list, where + ": steps is a list of parallel groups")
            for step in group:
                _fields(test, "WorkflowStep", step, where + " step")
                _fields(test, "Arguments", step.get("arguments", {}), where + " arguments")


class ArgoExamplesTest(unittest.TestCase, RunnerFlagsMixin):
    def setUp(self):
        self.docs = {}
        for path in sorted(glob.glob(os.path.join(ARGO, "*.yaml"))):
            for doc in load_all(path):
                self.assertIn("apiVersion", doc, path)
                self.assertIn("kind", doc, path)
                self.assertIn("name", doc.get("metadata", {}), path)
                self.docs.setdefault(doc["kind"], []).append(doc)
        self.assertEqual(len(self.docs["CronWorkflow"]), 1)
        self.cwf = self.docs["CronWorkflow"][0]
        self.ws = self.cwf["spec"]["workflowSpec"]
        self.templates = {t["name"]: t for t in self.ws["templates"]}

    def test_cron_workflow_matches_the_crd_schema(self):
        self.assertEqual(self.cwf["apiVersion"], "argoproj.io/v1alpha1")
        check_argo_schema(self, self.cwf["spec"])
        schedules = self.cwf["spec"]["schedules"]
        self.assertTrue(schedules)
        for s in schedules:
            self.assertEqual(len(s.split()), 5, s)
        self.assertEqual(len(self.templates), len(self.ws["templates"]), "duplicate names")
        for name, t in self.templates.items():
            kinds = [k for k in TEMPLATE_KINDS if k in t]
            self.assertEqual(len(kinds), 1, "template %s has %s" % (name, kinds))

    def test_every_reference_resolves_and_every_parameter_is_wired(self):
        self.assertIn(self.ws["entrypoint"], self.templates)
        self.assertIn(self.ws["onExit"], self.templates)
        wf_params = {p["name"] for p in self.ws.get("arguments", {}).get("parameters", [])}
        wf_volumes = {v["name"] for v in self.ws.get("volumes", [])}
        for name, t in self.templates.items():
            ins = t.get("inputs", {})
            in_params = {p["name"] for p in ins.get("parameters", [])}
            in_arts = {a["name"] for a in ins.get("artifacts", [])}
            texts = list(strings({k: v for k, v in t.items() if k != "steps"}))
            for text in texts:
                for ref in re.findall(r"\{\{inputs\.parameters\.([\w-]+)\}\}", text):
                    self.assertIn(ref, in_params, "%s uses undeclared input %s" % (name, ref))
                for ref in re.findall(r"\{\{inputs\.artifacts\.([\w-]+)", text):
                    self.assertIn(ref, in_arts, name)
                for ref in re.findall(r"\{\{workflow\.parameters\.([\w-]+)\}\}", text):
                    self.assertIn(ref, wf_params, "%s: workflow parameter %s" % (name, ref))
            vols = wf_volumes | {v["name"] for v in t.get("volumes", [])}
            body = t.get("container") or t.get("script") or {}
            for m in body.get("volumeMounts", []):
                self.assertIn(m["name"], vols, "%s mounts an undefined volume" % name)
            if "steps" in t:
                self.check_steps(name, t["steps"], wf_params)

    def check_steps(self, name, groups, wf_params):
        earlier = {}
        for group in groups:
            for step in group:
                target = self.templates.get(step["template"])
                self.assertIsNotNone(target, "%s: step %s calls unknown template %s"
                                     % (name, step["name"], step["template"]))
                declared = {p["name"]: p for p in
                            target.get("inputs", {}).get("parameters", [])}
                given = {p["name"] for p in
                         step.get("arguments", {}).get("parameters", [])}
                self.assertEqual(given - set(declared), set(),
                                 "%s: step %s passes undeclared parameters" % (name, step["name"]))
                for pname, p in declared.items():
                    if "value" not in p and "default" not in p:
                        self.assertIn(pname, given, "%s: step %s does not pass %s"
                                      % (name, step["name"], pname))
                fanned = "withParam" in step or "withItems" in step
                for text in strings(step):
                    if "{{item" in text:
                        self.assertTrue(fanned, "%s: {{item}} outside a loop" % step["name"])
                    for ref, rest in re.findall(r"\{\{steps\.([\w-]+)\.outputs\.([\w.-]+)\}\}",
                                                text):
                        self.assertIn(ref, earlier, "%s: step %s reads %s before it ran"
                                      % (name, step["name"], ref))
                        src = self.templates[earlier[ref]]
                        if rest == "result":
                            self.assertIn("script", src, "result of a non-script template")
                        else:
                            kind, _, pname = rest.partition(".")
                            self.assertEqual(kind, "parameters", rest)
                            outs = {p["name"] for p in
                                    src.get("outputs", {}).get("parameters", [])}
                            self.assertIn(pname, outs, "%s has no output %s" % (ref, pname))
                if "withParam" in step:
                    # items come from `drift.py shards`: only fields it prints may be used
                    spec_keys = set(drift_cli.workspaces.shard_specs(3, 1)[0])
                    for text in strings(step.get("arguments", {})):
                        for field in re.findall(r"\{\{item\.([\w-]+)\}\}", text):
                            self.assertIn(field, spec_keys)
            for step in group:
                earlier[step["name"]] = step["template"]

    def test_identity_config_and_runner_command_lines(self):
        sa = {d["metadata"]["name"]: d for d in self.docs["ServiceAccount"]}
        self.assertIn(self.ws["serviceAccountName"], sa)
        ann = sa[self.ws["serviceAccountName"]]["metadata"].get("annotations", {})
        self.assertRegex(ann.get("eks.amazonaws.com/role-arn", ""),
                         r"^arn:aws:iam::\d{12}:role/")
        binding = self.docs["RoleBinding"][0]
        self.assertIn(self.ws["serviceAccountName"], [s["name"] for s in binding["subjects"]])
        cms = {d["metadata"]["name"]: d for d in self.docs["ConfigMap"]}
        vol = next(v for v in self.ws["volumes"] if "configMap" in v)
        cm = cms[vol["configMap"]["name"]]
        shard = self.templates["run-shard"]["script"]
        env = {e["name"]: e.get("value") for e in shard["env"]}
        mount = next(m for m in shard["volumeMounts"] if m["name"] == vol["name"])
        self.assertEqual(os.path.dirname(env["TF_CLI_CONFIG_FILE"]), mount["mountPath"])
        self.assertIn(os.path.basename(env["TF_CLI_CONFIG_FILE"]), cm["data"])
        self.assertNotIn("AWS_ACCESS_KEY_ID", env, "no static keys: IRSA / Pod Identity")
        n = self.assertRunnerFlags(strings(self.cwf), "drift-cronworkflow.yaml")
        self.assertGreaterEqual(n, 3)   # shards, run, merge
        cmds = [c for text in strings(self.cwf) for c, _ in drift_commands(text)]
        self.assertEqual(sorted(set(cmds)), ["merge", "run", "shards"])


# ---------------------------------------------------------------- GitHub Actions
EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)


class GithubActionsTest(unittest.TestCase, RunnerFlagsMixin):
    def setUp(self):
        self.workflows = {}
        for path in sorted(glob.glob(os.path.join(GHA, "workflows", "*.yml"))):
            docs = load_all(path)
            self.assertEqual(len(docs), 1, path)
            self.workflows[os.path.basename(path)] = docs[0]
        self.assertEqual(set(self.workflows), {"terraform-plan.yml", "terraform-apply.yml",
                                               "drift.yml"})

    def on(self, wf):
        # YAML 1.1 reads the key `on` as the boolean true
        return wf.get("on", wf.get(True))

    def action(self, uses):
        self.assertTrue(uses.startswith("./.github/actions/"), uses)
        path = os.path.join(GHA, "actions", uses[len("./.github/actions/"):], "action.yml")
        self.assertTrue(os.path.exists(path), "%s: no %s" % (uses, path))
        return load_all(path)[0]

    def test_composite_action(self):
        act = self.action("./.github/actions/setup-unicron")
        self.assertEqual(act["runs"]["using"], "composite")
        declared = set(act["inputs"])
        for text in strings(act["runs"]):
            for e in EXPR.findall(text):
                for ref in re.findall(r"\binputs\.([\w-]+)", e):
                    self.assertIn(ref, declared)
        for step in act["runs"]["steps"]:
            self.assertEqual(len({"uses", "run"} & set(step)), 1, step)
            if "run" in step:
                self.assertIn("shell", step, "composite run steps need a shell")

    def test_jobs_needs_outputs_and_steps_are_consistent(self):
        for fname, wf in self.workflows.items():
            self.assertTrue(self.on(wf), fname)
            jobs = wf["jobs"]
            for jname, job in jobs.items():
                where = "%s: job %s" % (fname, jname)
                self.assertIn("runs-on", job, where)
                needs = job.get("needs", [])
                needs = [needs] if isinstance(needs, str) else needs
                for n in needs:
                    self.assertIn(n, jobs, "%s needs unknown job %s" % (where, n))
                for e in (x for t in strings(job) for x in EXPR.findall(t)):
                    for ref, out in re.findall(r"\bneeds\.([\w-]+)\.outputs\.([\w-]+)", e):
                        self.assertIn(ref, needs, "%s reads needs.%s without needing it"
                                      % (where, ref))
                        self.assertIn(out, jobs[ref].get("outputs", {}), where)
                    for key in re.findall(r"\bmatrix\.([\w-]+)", e):
                        self.assertIn(key, job.get("strategy", {}).get("matrix", {}), where)
                ids = set()
                for step in job["steps"]:
                    self.assertEqual(len({"uses", "run"} & set(step)), 1,
                                     "%s: a step needs exactly one of uses/run" % where)
                    for e in (x for t in strings(step) for x in EXPR.findall(t)):
                        for ref in re.findall(r"\bsteps\.([\w-]+)\.", e):
                            self.assertIn(ref, ids, "%s: steps.%s before it ran" % (where, ref))
                    if "id" in step:
                        ids.add(step["id"])
                    uses = step.get("uses", "")
                    if uses.startswith("./"):
                        act = self.action(uses)
                        given = set(step.get("with", {}))
                        self.assertEqual(given - set(act["inputs"]), set(), where)
                        for iname, spec in act["inputs"].items():
                            if spec.get("required") and "default" not in spec:
                                self.assertIn(iname, given, where)
                    elif uses:
                        self.assertRegex(uses, r"^[\w.-]+/[\w./-]+@[\w.-]+$", where)
                for ref, out in ((r, o) for t in strings(job.get("outputs", {}))
                                 for e in EXPR.findall(t)
                                 for r, o in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)",
                                                        e)):
                    self.assertIn(ref, ids, "%s: output from unknown step %s" % (where, ref))

    def test_oidc_credentials_approval_and_schedule(self):
        for fname, wf in self.workflows.items():
            for jname, job in wf["jobs"].items():
                for step in job["steps"]:
                    if step.get("uses", "").startswith("aws-actions/configure-aws-credentials"):
                        perms = dict(wf.get("permissions", {}))
                        perms.update(job.get("permissions", {}))
                        self.assertEqual(perms.get("id-token"), "write",
                                         "%s/%s: OIDC needs id-token: write" % (fname, jname))
                        self.assertIn("role-to-assume", step["with"])
                        for static in ("aws-access-key-id", "aws-secret-access-key"):
                            self.assertNotIn(static, step["with"])
        plan = self.workflows["terraform-plan.yml"]
        self.assertIn("pull_request", self.on(plan))
        self.assertEqual(plan["permissions"].get("pull-requests"), "write")
        apply_wf = self.workflows["terraform-apply.yml"]
        self.assertEqual(self.on(apply_wf)["push"]["branches"], ["main"])
        self.assertTrue(any(j.get("environment") for j in apply_wf["jobs"].values()),
                        "apply waits for an environment's required reviewers")
        drift = self.workflows["drift.yml"]
        self.assertTrue(self.on(drift)["schedule"][0]["cron"])
        shards = drift["jobs"]["shard"]["strategy"]["matrix"]["shard"]
        self.assertEqual(shards, list(range(1, int(drift["env"]["SHARDS"]) + 1)))
        n = self.assertRunnerFlags(strings(drift), "drift.yml")
        self.assertEqual(n, 2)   # one shard run, one merge


# ---------------------------------------------------------------- HCL
class ExampleHclTest(harness.ProviderTestCase):
    def test_tenant_workspaces_fmt_and_validate(self):
        r = subprocess.run(["terraform", "fmt", "-check", "-recursive", "-diff",
                            os.path.join(EXAMPLES, "ci")], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        names = sorted(os.listdir(TENANTS))
        self.assertGreaterEqual(len(names), 2)
        for name in names:
            with self.subTest(tenant=name):
                files = {}
                for f in glob.glob(os.path.join(TENANTS, name, "*.tf")):
                    with open(f) as fh:
                        files[os.path.basename(f)] = fh.read()
                self.assertIn('key          = "tenants/%s/terraform.tfstate"' % name,
                              files["backend.tf"], "a state key per tenant")
                self.assertIn('name           = "%s"' % name, files["main.tf"])
                w = self.workdir(files)
                r = w.tf("validate", "-no-color")
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertIn("The configuration is valid", r.stdout)

    def check_cli_config(self, text):
        with tempfile.NamedTemporaryFile("w", suffix=".tfrc", delete=False) as f:
            f.write(text)
        self.addCleanup(os.unlink, f.name)
        env = dict(os.environ, TF_CLI_CONFIG_FILE=f.name, CHECKPOINT_DISABLE="1")
        r = subprocess.run(["terraform", "version"], env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("problems with the CLI configuration", r.stdout + r.stderr, text)

    def test_shipped_cli_configurations_are_accepted(self):
        for doc in load_all(os.path.join(ARGO, "terraformrc-configmap.yaml")):
            for text in doc["data"].values():
                self.check_cli_config(text)
        act = load_all(os.path.join(GHA, "actions", "setup-unicron", "action.yml"))[0]
        script = next(s["run"] for s in act["runs"]["steps"] if "run" in s)
        with tempfile.TemporaryDirectory() as tmp:
            for var, value in (("MIRROR_URL", "https://mirror.example.com/providers/"),
                               ("MIRROR_PATH", "")), (("MIRROR_URL", ""),
                                                       ("MIRROR_PATH", tmp)):
                env = dict(os.environ, RUNNER_TEMP=tmp,
                           GITHUB_ENV=os.path.join(tmp, "github_env"))
                env.update(dict([var, value]))
                r = subprocess.run(["bash", "-c", script], env=env, capture_output=True,
                                   text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(os.path.join(tmp, "terraformrc")) as f:
                    self.check_cli_config(f.read())
            env = dict(os.environ, RUNNER_TEMP=tmp, GITHUB_ENV=os.path.join(tmp, "e"),
                       MIRROR_URL="", MIRROR_PATH="")
            r = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
            self.assertNotEqual(r.returncode, 0, "no mirror configured must fail")


if __name__ == "__main__":
    unittest.main()
