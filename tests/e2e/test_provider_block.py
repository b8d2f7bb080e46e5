"""End to end: the provider block's conventions, as users of the AWS provider and the SDKs
expect them.

- An IAM Identity Center (SSO) profile as the only credentials, as most people run Terraform on
  their laptops. localaws stands in for the access portal and SSO OIDC; its admin login stands in
  for `aws sso login` and gives the document the AWS CLI caches in ~/.aws/sso/cache. The tenant
  is applied with role credentials from the portal, a token near its expiry is refreshed (and
  the cache rewritten), and an ended session fails with the command that fixes it.
- assume_role as a chain: two blocks, the second assumed with the first's session and carrying
  session tags, a session policy and a source identity.
- ignore_tags: tags others put on unicron's accounts, EKS clusters, node groups and IAM roles
  (Control Tower, cost tools, scanners) are neither drift nor removed by an update; other
  out-of-band changes of a node group's tags (made with boto3) are drift that apply undoes.
- allowed_account_ids / forbidden_account_ids: credentials of the wrong account change nothing.

Run: UNICRON_PROVIDER_BIN=build/terraform-provider-unicron python3 -m unittest discover \
     -s tests/e2e -p 'test_provider_block*' -v
"""
import hashlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import awsapi  # noqa: E402
import boto3  # noqa: E402
import test_cluster  # noqa: E402  (used as test_cluster.X so its tests are not collected twice)
import test_tenant  # noqa: E402  (used as test_tenant.X so its tests are not collected twice)

ROLE = "AWSReservedSSO_PlatformAdmin_0123456789abcdef"
CONFIG = """[profile platform-sso]
sso_session = corp
sso_account_id = %s
sso_role_name = %s
region = us-east-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-central-1
sso_registration_scopes = sso:account:access
""" % (awsapi.MGMT_ACCOUNT, ROLE)


class ProviderSsoTest(test_tenant.TenantTestCase):

    def sso_login(self):
        """The permission set's role in the management account, and a logged-in session."""
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRoleWithSAML",
            "Principal": {"Federated": "arn:aws:iam::%s:saml-provider/AWSSSO" %
                          awsapi.MGMT_ACCOUNT}}]}
        self.api.query("iam", "CreateRole", {"RoleName": ROLE,
                                             "AssumeRolePolicyDocument": json.dumps(trust)})
        st, body = self.api._raw("POST", "/_localaws/sso/login", json.dumps({
            "assignments": [{"accountId": awsapi.MGMT_ACCOUNT, "roleName": ROLE}],
            "startUrl": "https://corp.awsapps.com/start", "region": "eu-central-1"}).encode())
        self.assertEqual(st, 200, body)
        return json.loads(body)

    def sso_workdir(self, tenant, cache_doc):
        w = self.tenant_workdir(tenant)
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            w.env.pop(k, None)
        w.env["AWS_PROFILE"] = "platform-sso"
        w.write(".aws/config", CONFIG)
        self.cache = os.path.join(w.path, ".aws", "sso", "cache",
                                  hashlib.sha1(b"corp").hexdigest() + ".json")
        self.write_cache(w, cache_doc)
        return w

    def write_cache(self, w, doc):
        w.write(os.path.relpath(self.cache, w.path), json.dumps(doc))

    def read_cache(self):
        with open(self.cache) as f:
            return json.load(f)

    def sso_sessions(self):
        return [s for s in self.api.state()["sessions"].values()
                if "/%s/" % ROLE in s["principal"]["arn"]]

    def test_apply_with_sso_profile_refresh_and_expired_session(self):
        self.start_localaws()
        doc = self.sso_login()
        t = test_tenant.Tenant(close_on_deletion=True)
        w = self.sso_workdir(t, doc)
        self.apply(w)
        self.assertTrue(self.sso_sessions(), "no role session minted through the SSO portal")
        rc, out = self.plan(w)
        self.assertEqual(rc, 0, out)

        # A token that expires in a minute is refreshed through OIDC and the cache rewritten.
        near = dict(doc, expiresAt=time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                 time.gmtime(time.time() + 60)))
        self.write_cache(w, near)
        rc, out = self.plan(w)
        self.assertEqual(rc, 0, out)
        refreshed = self.read_cache()
        self.assertNotEqual(refreshed["accessToken"], doc["accessToken"])
        self.assertNotEqual(refreshed["refreshToken"], doc["refreshToken"])

        # The session ends (revoked at the portal, no refresh token left): a clear error.
        self.api._raw("POST", "/_localaws/sso/expire")
        ended = {k: v for k, v in refreshed.items() if k not in ("refreshToken", "clientSecret")}
        self.write_cache(w, ended)
        rc, out = self.tf(w, "plan")
        self.assertEqual(rc, 1, out)
        flat = " ".join(out.split())
        self.assertIn("aws sso login --profile platform-sso", flat)
        self.assertNotIn(refreshed["accessToken"], out)
        self.assertNotIn(refreshed["accessToken"], w.trace())

        # After a new login the destroy goes through.
        self.write_cache(w, self.sso_login_again())
        rc, out = self.tf(w, "destroy", "-auto-approve")
        self.assertEqual(rc, 0, out)

    def sso_login_again(self):
        st, body = self.api._raw("POST", "/_localaws/sso/login", json.dumps({
            "assignments": [{"accountId": awsapi.MGMT_ACCOUNT, "roleName": ROLE}]}).encode())
        self.assertEqual(st, 200, body)
        return json.loads(body)


class ProviderAssumeRoleChainTest(test_tenant.TenantTestCase):

    def role(self, name, trusted_arn):
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession",
                                          "sts:SetSourceIdentity"],
            "Principal": {"AWS": trusted_arn}}]}
        self.api.query("iam", "CreateRole", {"RoleName": name,
                                             "AssumeRolePolicyDocument": json.dumps(trust)})
        return "arn:aws:iam::%s:role/%s" % (awsapi.MGMT_ACCOUNT, name)

    def test_two_roles_in_a_chain(self):
        self.start_localaws()
        hop = self.role("unicron-e2e-hop", "arn:aws:iam::%s:root" % awsapi.MGMT_ACCOUNT)
        deploy = self.role("unicron-e2e-deploy", hop)
        t = test_tenant.Tenant(close_on_deletion=True)
        w = self.tenant_workdir(t)
        chain = ('  assume_role {\n    role_arn = "%s"\n    session_name = "hop"\n  }\n'
                 '  assume_role {\n    role_arn = "%s"\n    session_name = "deploy"\n'
                 '    source_identity = "alice"\n    tags = { team = "data" }\n'
                 '    transitive_tag_keys = ["team"]\n'
                 '    policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]\n  }\n'
                 % (hop, deploy))
        hcl = t.hcl(self.la.url).replace('provider "unicron" {\n', 'provider "unicron" {\n' +
                                         chain, 1)
        w.write("main.tf", hcl)
        self.apply(w)
        arns = [s["principal"]["arn"] for s in self.api.state()["sessions"].values()]
        self.assertIn("arn:aws:sts::%s:assumed-role/unicron-e2e-hop/hop" % awsapi.MGMT_ACCOUNT,
                      arns)
        self.assertIn("arn:aws:sts::%s:assumed-role/unicron-e2e-deploy/deploy"
                      % awsapi.MGMT_ACCOUNT, arns)
        rc, out = self.plan(w)
        self.assertEqual(rc, 0, out)
        # a role the chain may not assume: the error names the role
        bad = hcl.replace(deploy, "arn:aws:iam::%s:role/unicron-e2e-nobody"
                          % awsapi.MGMT_ACCOUNT)
        w.write("main.tf", bad)
        rc, out = self.tf(w, "plan")
        self.assertEqual(rc, 1, out)
        self.assertIn("unicron-e2e-nobody", out)
        w.write("main.tf", hcl)
        rc, out = self.tf(w, "destroy", "-auto-approve")
        self.assertEqual(rc, 0, out)


def with_provider_lines(hcl, lines):
    """The configuration with lines added at the top of the provider block."""
    return hcl.replace('provider "unicron" {\n', 'provider "unicron" {\n' + lines, 1)


def dev_only():
    return test_tenant.Tenant(envs=[{"name": "dev"}],
                              access=[{"role": "admin", "principals": [test_tenant.ADMINS]}])


class ProviderTagsAndAccountsTest(test_tenant.TenantTestCase):

    def test_ignore_tags_are_neither_drift_nor_removed(self):
        self.start_localaws()
        t = dev_only()
        w = self.tenant_workdir(t)
        ignore = ('  ignore_tags {\n    keys = ["scanner"]\n'
                  '    key_prefixes = ["aws-control-tower"]\n  }\n')
        w.write("main.tf", with_provider_lines(t.hcl(self.la.url), ignore))
        self.apply(w)
        acct = self.account_ids(w)["dev"]
        self.api.tag_resource(acct, {"scanner": "seen", "aws-control-tower:managed": "yes"})
        rc, out = self.plan(w)
        self.assertEqual(rc, 0, out)
        # a real change is applied, and the ignored tags stay on the account
        t.tags = {"team": "ml"}
        w.write("main.tf", with_provider_lines(t.hcl(self.la.url), ignore))
        self.apply(w, expect="0 added, 1 changed, 0 destroyed")
        tags = self.api.tags_of(acct)
        self.assertEqual(tags.get("team"), "ml")
        self.assertEqual(tags.get("scanner"), "seen")
        self.assertEqual(tags.get("aws-control-tower:managed"), "yes")
        rc, out = self.plan(w)
        self.assertEqual(rc, 0, out)
        # without ignore_tags the same tags are drift
        w.write("main.tf", t.hcl(self.la.url))
        rc, out = self.plan(w)
        self.assertEqual(rc, 2, out)
        self.assertIn("scanner", out)

    def test_wrong_account_changes_nothing(self):
        self.start_localaws()
        t = dev_only()
        w = self.tenant_workdir(t)
        for lines, title in (('  allowed_account_ids = ["111111111111"]\n',
                              "AWS account not allowed"),
                             ('  forbidden_account_ids = ["%s"]\n' % awsapi.MGMT_ACCOUNT,
                              "AWS account forbidden")):
            w.write("main.tf", with_provider_lines(t.hcl(self.la.url), lines))
            rc, out = self.tf(w, "apply", "-auto-approve")
            self.assertEqual(rc, 1, out)
            self.assertIn(title, out)
            self.assertIn(awsapi.MGMT_ACCOUNT, out)
        self.assertEqual(len(self.api.list_accounts()), 1, "an account was created")
        ops = self.api.stats()["operations"].get("organizations", {})
        self.assertNotIn("CreateAccount", ops)
        # the right account goes through
        lines = '  allowed_account_ids = ["%s"]\n' % awsapi.MGMT_ACCOUNT
        w.write("main.tf", with_provider_lines(t.hcl(self.la.url), lines))
        self.apply(w)
        # both lists at once: a plan-time error on the attribute
        both = lines + '  forbidden_account_ids = ["111111111111"]\n'
        w.write("main.tf", with_provider_lines(t.hcl(self.la.url), both))
        rc, out = self.tf(w, "plan")
        self.assertEqual(rc, 1, out)
        self.assertIn("Conflicting account lists", out)


class ProviderIgnoreTagsClusterTest(test_cluster.ClusterTestCase):

    def test_ignore_tags_on_the_eks_cluster(self):
        c = test_cluster.Cluster(version="1.35", access_entries=[])
        w, acct = self.create_cluster(c)
        ignore = '  ignore_tags {\n    key_prefixes = ["scanner:"]\n  }\n'
        w.write("main.tf", with_provider_lines(
            test_cluster.render(self.la.url, test_cluster.tenant(), c), ignore))
        inside = self.inside(acct)
        arn = self.resource(w, "unicron_cluster.c")["arn"]
        inside.eks_tag(arn, {"scanner:seen": "2026-12-03"})
        rc, out = self.plan(w)
        self.assertEqual(rc, 0, out)
        c.tags = {"team": "data", "budget": "q4"}
        w.write("main.tf", with_provider_lines(
            test_cluster.render(self.la.url, test_cluster.tenant(), c), ignore))
        self.apply(w, "0 added, 1 changed, 0 destroyed")
        tags = inside.eks_tags(arn)
        self.assertEqual(tags.get("budget"), "q4")
        self.assertEqual(tags.get("scanner:seen"), "2026-12-03")
        rc, out = self.plan(w)
        self.assertEqual(rc, 0, out)

    def boto3_in(self, acct, service):
        """A boto3 client acting inside acct through its account-access role."""
        ak, sk, token = self.inside(acct).creds
        return boto3.client(service, endpoint_url=self.la.url, region_name="us-east-1",
                            aws_access_key_id=ak, aws_secret_access_key=sk,
                            aws_session_token=token)

    def test_node_group_and_role_tags(self):
        c = test_cluster.Cluster(version="1.35", access_entries=[], node_groups=[
            test_cluster.node_group("general", ["m6i.large"], 1, 2)])
        w, acct = self.create_cluster(c)
        ignore = '  ignore_tags {\n    keys = ["cost-scan"]\n    key_prefixes = ["scanner:"]\n  }\n'

        def write():
            w.write("main.tf", with_provider_lines(
                test_cluster.render(self.la.url, test_cluster.tenant(), c), ignore))
        write()
        eks, iam = self.boto3_in(acct, "eks"), self.boto3_in(acct, "iam")
        ng_arn = self.resource(w, "unicron_cluster.c")["node_group"][0]["arn"]
        role = "unicron-%s-cluster" % c.name

        def ng_tags():
            return eks.list_tags_for_resource(resourceArn=ng_arn)["tags"]

        def role_tags():
            return {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role)["Tags"]}

        # tags that ignore_tags names, on the node group and on the cluster's role: no drift
        eks.tag_resource(resourceArn=ng_arn, tags={"scanner:seen": "2026-12-03",
                                                   "cost-scan": "ok"})
        iam.tag_role(RoleName=role, Tags=[{"Key": "scanner:seen", "Value": "2026-12-03"}])
        rc, out = self.plan(w)
        self.assertEqual(rc, 0, out)

        # other changes of the node group's tags are drift, and apply undoes them
        eks.tag_resource(resourceArn=ng_arn, tags={"team": "hijacked", "added-by": "console"})
        eks.untag_resource(resourceArn=ng_arn, tagKeys=["managed-by"])
        out, _ = self.assertPlanChanges(w, must=[("node_group", "general", "tags_all")])
        for text in ('"team"', '"hijacked"', '"added-by"', '"managed-by"'):
            self.assertIn(text, out)
        self.assertNotIn("scanner:seen", out)
        self.apply(w, "0 added, 1 changed, 0 destroyed")
        tags = ng_tags()
        self.assertEqual(tags.get("team"), "data")
        self.assertEqual(tags.get("managed-by"), "terraform")
        self.assertNotIn("added-by", tags)
        self.assertEqual(tags.get("scanner:seen"), "2026-12-03")
        self.assertEqual(tags.get("cost-scan"), "ok")
        self.assertEqual(tags.get("unicron:node-group"), "general")
        self.assertEqual(tags.get("unicron:desired-size"), "1")
        self.assertClusterNoChanges(w)

        # a real change reaches the group and the roles; the ignored tags stay everywhere
        c.tags = {"team": "data", "budget": "q4"}
        write()
        self.apply(w, "0 added, 1 changed, 0 destroyed")
        self.assertEqual(ng_tags().get("budget"), "q4")
        self.assertEqual(ng_tags().get("scanner:seen"), "2026-12-03")
        self.assertEqual(role_tags().get("budget"), "q4")
        self.assertEqual(role_tags().get("scanner:seen"), "2026-12-03")
        self.assertClusterNoChanges(w)
        state = self.resource(w, "unicron_cluster.c")
        self.assertEqual(state["node_group"][0]["tags_all"], c.tags_all())

        # a key ignore_tags names in tags: a warning, never written, no inconsistent result
        c.tags = {"team": "data", "budget": "q4", "scanner:mine": "x"}
        write()
        rc, out = self.tf(w, "apply", "-auto-approve")
        self.assertEqual(rc, 0, out)
        self.assertIn("Tag named by ignore_tags", out)
        self.assertNotIn("scanner:mine", ng_tags())
        self.assertNotIn("scanner:mine", self.inside(acct).eks_tags(
            self.resource(w, "unicron_cluster.c")["arn"]))
        rc, out = self.plan(w)
        self.assertEqual(rc, 0, out)
