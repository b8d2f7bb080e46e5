"""Drive a running localaws with the real AWS SDK for Python (boto3/botocore): the main operations of
every service, as the SDK's models serialise and parse them. Run by test_boto3.py with whichever
interpreter has boto3 (Debian: /usr/bin/python3 + python3-boto3). Exit status 0 = all good.
Usage: boto3_driver.py PORT
"""

import base64
import json
import sys
import time

import boto3
import botocore.config
from botocore.exceptions import ClientError

PORT = int(sys.argv[1])
URL = "http://127.0.0.1:%d" % PORT
CFG = botocore.config.Config(retries={"max_attempts": 1})


def client(service, creds=("test", "test", None), region="us-east-1"):
    return boto3.client(service, endpoint_url=URL, region_name=region, aws_access_key_id=creds[0],
                        aws_secret_access_key=creds[1], aws_session_token=creds[2], config=CFG)


def expect_error(code, fn, *a, **kw):
    try:
        fn(*a, **kw)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, "expected %s, got %s (%s)" % (code, got, e)
        return e
    raise AssertionError("expected %s, call succeeded" % code)


def admin_post(path, doc):
    import urllib.request
    req = urllib.request.Request(URL + path, data=json.dumps(doc).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def wait(fn, timeout=30):
    # A generous bound: the states change after --async-delay-ms (50 ms), but a loaded CI
    # machine can stall this process for seconds; the bound only catches a state that never moves.
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out")


def main():
    sts = client("sts")
    org = client("organizations")
    ident = sts.get_caller_identity()
    assert ident["Account"] == "000000000000", ident
    o = org.describe_organization()["Organization"]
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="tenants")["OrganizationalUnit"]
    assert org.describe_organizational_unit(OrganizationalUnitId=ou["Id"])[
        "OrganizationalUnit"]["Name"] == "tenants"
    st = org.create_account(Email="boto@example.com", AccountName="boto",
                            Tags=[{"Key": "k", "Value": "v"}])["CreateAccountStatus"]
    assert st["State"] == "IN_PROGRESS"
    st = wait(lambda: (lambda s: s if s["State"] != "IN_PROGRESS" else None)(
        org.describe_create_account_status(CreateAccountRequestId=st["Id"])["CreateAccountStatus"]))
    assert st["State"] == "SUCCEEDED", st
    acct = st["AccountId"]
    a = org.describe_account(AccountId=acct)["Account"]
    assert a["Status"] == "ACTIVE" and a["Email"] == "boto@example.com", a
    org.move_account(AccountId=acct, SourceParentId=root, DestinationParentId=ou["Id"])
    assert org.list_parents(ChildId=acct)["Parents"][0]["Id"] == ou["Id"]
    org.tag_resource(ResourceId=acct, Tags=[{"Key": "cost", "Value": "1"}])
    org.untag_resource(ResourceId=acct, TagKeys=["k"])
    assert org.list_tags_for_resource(ResourceId=acct)["Tags"] == [{"Key": "cost", "Value": "1"}]
    ids = [x["Id"] for page in org.get_paginator("list_accounts").paginate(
        PaginationConfig={"PageSize": 1}) for x in page["Accounts"]]
    assert acct in ids and "000000000000" in ids, ids
    statuses = org.list_create_account_status()["CreateAccountStatuses"]
    assert any(s["Id"] == st["Id"] for s in statuses)
    expect_error("AccountNotFoundException", org.describe_account, AccountId="123456789012")
    expect_error("DuplicateAccountException", org.move_account, AccountId=acct,
                 SourceParentId=ou["Id"], DestinationParentId=ou["Id"])

    # cross-account
    c = wait(lambda: _try_assume(sts, acct))
    tenant = (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    assert client("sts", tenant, "eu-west-1").get_caller_identity()["Account"] == acct

    iam = client("iam", tenant)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "Service": ["eks.amazonaws.com", "ec2.amazonaws.com",
                    "capabilities.eks.amazonaws.com"]},
        "Action": ["sts:AssumeRole", "sts:TagSession"]}]}
    role = iam.create_role(RoleName="eks", AssumeRolePolicyDocument=json.dumps(trust),
                           Tags=[{"Key": "a", "Value": "b"}])["Role"]
    assert role["AssumeRolePolicyDocument"] == trust, role  # botocore URL-decodes it
    got = iam.get_role(RoleName="eks")["Role"]
    assert got["Arn"] == "arn:aws:iam::%s:role/eks" % acct
    iam.update_assume_role_policy(RoleName="eks", PolicyDocument=json.dumps(trust))
    iam.attach_role_policy(RoleName="eks",
                           PolicyArn="arn:aws:iam::aws:policy/AmazonEKSClusterPolicy")
    pols = iam.list_attached_role_policies(RoleName="eks")["AttachedPolicies"]
    assert pols == [{"PolicyName": "AmazonEKSClusterPolicy",
                     "PolicyArn": "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"}], pols
    iam.tag_role(RoleName="eks", Tags=[{"Key": "c", "Value": "d"}])
    iam.untag_role(RoleName="eks", TagKeys=["a"])
    assert iam.list_role_tags(RoleName="eks")["Tags"] == [{"Key": "c", "Value": "d"}]
    expect_error("DeleteConflict", iam.delete_role, RoleName="eks")
    expect_error("NoSuchEntity", iam.get_role, RoleName="missing")
    expect_error("EntityAlreadyExists", iam.create_role, RoleName="eks",
                 AssumeRolePolicyDocument=json.dumps(trust))
    iam.get_waiter("role_exists").wait(RoleName="eks")
    url = "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
    arn = iam.create_open_id_connect_provider(
        Url=url, ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
        Tags=[{"Key": "k", "Value": "v"}])["OpenIDConnectProviderArn"]
    assert arn.endswith(":oidc-provider/" + url[len("https://"):]), arn
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["Url"] == url[len("https://"):] and got["ClientIDList"] == ["sts.amazonaws.com"], got
    assert [p["Arn"] for p in iam.list_open_id_connect_providers()[
        "OpenIDConnectProviderList"]] == [arn]
    iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=arn,
                                     Tags=[{"Key": "a", "Value": "b"}])
    iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["k"])
    assert iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)["Tags"] == [
        {"Key": "a", "Value": "b"}]
    expect_error("EntityAlreadyExists", iam.create_open_id_connect_provider, Url=url)
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    expect_error("NoSuchEntity", iam.get_open_id_connect_provider, OpenIDConnectProviderArn=arn)

    eks = client("eks", tenant)
    cl = eks.create_cluster(name="boto", roleArn=role["Arn"], version="1.33",
                            resourcesVpcConfig={"subnetIds": ["subnet-a", "subnet-b"]})["cluster"]
    assert cl["status"] == "CREATING"
    eks.get_waiter("cluster_active").wait(name="boto", WaiterConfig={"Delay": 1})
    cl = eks.describe_cluster(name="boto")["cluster"]
    assert cl["endpoint"].startswith("https://127.0.0.1:%d/k8s/" % PORT), cl["endpoint"]
    assert base64.b64decode(cl["certificateAuthority"]["data"]).startswith(b"-----BEGIN")
    assert "boto" in eks.list_clusters()["clusters"]
    expect_error("ResourceNotFoundException", eks.describe_cluster, name="nope")
    # the admin hold keeps the update InProgress, so the refusal is seen however slow this is
    tenant_account = client("sts", tenant).get_caller_identity()["Account"]
    hold = {"account": tenant_account, "cluster": "boto", "kind": "cluster"}
    admin_post("/_localaws/hold", dict(hold, hold=True))
    upd = eks.update_cluster_version(name="boto", version="1.34")["update"]
    expect_error("ResourceInUseException", eks.update_cluster_config, name="boto",
                 logging={"clusterLogging": [{"types": ["api"], "enabled": True}]})
    admin_post("/_localaws/hold", dict(hold, hold=False))
    wait(lambda: eks.describe_update(name="boto", updateId=upd["id"])["update"]["status"] ==
         "Successful")
    eks.get_waiter("cluster_active").wait(name="boto", WaiterConfig={"Delay": 1})
    assert eks.describe_cluster(name="boto")["cluster"]["version"] == "1.34"
    vers = eks.describe_addon_versions(kubernetesVersion="1.34", addonName="vpc-cni")["addons"]
    assert vers[0]["addonVersions"][0]["compatibilities"][0]["defaultVersion"] is True
    eks.create_addon(clusterName="boto", addonName="coredns")
    wait(lambda: eks.describe_addon(clusterName="boto", addonName="coredns")["addon"]["status"]
         == "DEGRADED")
    ng = eks.create_nodegroup(clusterName="boto", nodegroupName="ng", subnets=["subnet-a"],
                              nodeRole=role["Arn"],
                              scalingConfig={"minSize": 1, "maxSize": 2, "desiredSize": 1})
    assert ng["nodegroup"]["status"] == "CREATING"
    eks.get_waiter("nodegroup_active").wait(clusterName="boto", nodegroupName="ng",
                                            WaiterConfig={"Delay": 1})
    eks.get_waiter("addon_active").wait(clusterName="boto", addonName="coredns",
                                        WaiterConfig={"Delay": 1})
    u = eks.update_nodegroup_config(clusterName="boto", nodegroupName="ng",
                                    labels={"addOrUpdateLabels": {"a": "b"}})["update"]
    wait(lambda: eks.describe_update(name="boto", updateId=u["id"], nodegroupName="ng")[
        "update"]["status"] == "Successful")
    u = eks.update_addon(clusterName="boto", addonName="coredns",
                         addonVersion="v1.12.1-eksbuild.2")["update"]
    wait(lambda: eks.describe_update(name="boto", updateId=u["id"], addonName="coredns")[
        "update"]["status"] == "Successful")
    assert eks.list_nodegroups(clusterName="boto")["nodegroups"] == ["ng"]
    assert eks.list_addons(clusterName="boto")["addons"] == ["coredns"]
    eks.tag_resource(resourceArn=cl["arn"], tags={"x": "y"})
    eks.untag_resource(resourceArn=cl["arn"], tagKeys=["x"])
    assert eks.list_tags_for_resource(resourceArn=cl["arn"])["tags"] == {}
    # a node group's tags: TagResource / UntagResource on its ARN, seen by DescribeNodegroup
    ng = eks.describe_nodegroup(clusterName="boto", nodegroupName="ng")["nodegroup"]
    eks.tag_resource(resourceArn=ng["nodegroupArn"], tags={"team": "data", "scan": "1"})
    eks.untag_resource(resourceArn=ng["nodegroupArn"], tagKeys=["scan"])
    ng_tags = eks.describe_nodegroup(clusterName="boto", nodegroupName="ng")["nodegroup"]["tags"]
    assert ng_tags.get("team") == "data" and "scan" not in ng_tags, ng_tags
    assert eks.list_tags_for_resource(resourceArn=ng["nodegroupArn"])["tags"] == ng_tags
    expect_error("ResourceInUseException", eks.delete_cluster, name="boto")
    eks.delete_addon(clusterName="boto", addonName="coredns")
    eks.get_waiter("addon_deleted").wait(clusterName="boto", addonName="coredns",
                                         WaiterConfig={"Delay": 1})
    eks.delete_nodegroup(clusterName="boto", nodegroupName="ng")
    eks.get_waiter("nodegroup_deleted").wait(clusterName="boto", nodegroupName="ng",
                                             WaiterConfig={"Delay": 1})
    eks.delete_cluster(name="boto")
    eks.get_waiter("cluster_deleted").wait(name="boto", WaiterConfig={"Delay": 1})

    # auth failures as the SDK sees them
    expect_error("SignatureDoesNotMatch", client("iam", ("test", "bad", None)).list_roles)
    expect_error("InvalidSignatureException", client("organizations", ("test", "bad", None))
                 .list_roots)
    expect_error("UnrecognizedClientException", client("eks", ("AKIANOPE", "x", None))
                 .list_clusters)
    org.close_account(AccountId=acct)
    assert org.describe_account(AccountId=acct)["Account"]["Status"] in ("PENDING_CLOSURE",
                                                                         "SUSPENDED")
    print("boto3 %s / botocore %s: all operations OK" % (boto3.__version__,
                                                        __import__("botocore").__version__))


def _try_assume(sts, acct):
    try:
        return sts.assume_role(RoleArn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % acct,
                               RoleSessionName="boto")["Credentials"]
    except ClientError as e:
        if e.response["Error"]["Code"] != "AccessDenied":
            raise
        return None


if __name__ == "__main__":
    main()
