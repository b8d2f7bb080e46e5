"""Organizations over awsJson1_1: accounts (async create, duplicate e-mail, close + quota), OUs,
parents, moves, tags, pagination, validation errors."""

from .harness import MGMT_ACCOUNT, EmulatorTest, wait_for


class Organizations(EmulatorTest):
    ARGS = ("--close-account-quota", "3")

    def test_describe_organization_and_roots(self):
        st, _, doc = self.emu.org("DescribeOrganization")
        org = doc["Organization"]
        self.assertRegex(org["Id"], r"^o-[a-z0-9]{10,32}$")
        self.assertEqual(org["MasterAccountId"], MGMT_ACCOUNT)
        st, _, doc = self.emu.org("ListRoots")
        self.assertRegex(doc["Roots"][0]["Id"], r"^r-[0-9a-z]{4,32}$")

    def org_hold(self, on):
        st, doc = self.emu.admin_post("/_localaws/hold", {"kind": "organizations", "hold": on})
        self.assertEqual(st, 200, doc)

    def test_create_account_state_machine(self):
        self.org_hold(True)  # IN_PROGRESS until released, whatever the machine speed
        st, _, doc = self.emu.org("CreateAccount", {"Email": "sm@example.com",
                                                    "AccountName": "sm",
                                                    "Tags": [{"Key": "team", "Value": "a"}]})
        self.assertEqual(st, 200)
        s = doc["CreateAccountStatus"]
        self.assertEqual(s["State"], "IN_PROGRESS")
        self.assertRegex(s["Id"], r"^car-[a-z0-9]{8,32}$")
        self.assertNotIn("AccountId", s)
        self.assertIsInstance(s["RequestedTimestamp"], float)
        _, _, doc = self.emu.org("DescribeCreateAccountStatus", {"CreateAccountRequestId": s["Id"]})
        self.assertEqual(doc["CreateAccountStatus"]["State"], "IN_PROGRESS")
        _, st_doc = self.emu.admin("GET", "/_localaws/state")
        self.assertEqual(st_doc["create_requests"][s["Id"]]["State"], "IN_PROGRESS")
        self.org_hold(False)

        def finished():
            _, _, d = self.emu.org("DescribeCreateAccountStatus",
                                   {"CreateAccountRequestId": s["Id"]})
            return d["CreateAccountStatus"] if d["CreateAccountStatus"]["State"] != \
                "IN_PROGRESS" else None
        done = wait_for(finished)
        self.assertEqual(done["State"], "SUCCEEDED")
        self.assertRegex(done["AccountId"], r"^\d{12}$")
        self.assertIn("CompletedTimestamp", done)
        _, _, doc = self.emu.org("DescribeAccount", {"AccountId": done["AccountId"]})
        acct = doc["Account"]
        self.assertEqual((acct["State"], acct["Status"], acct["JoinedMethod"]),
                         ("ACTIVE", "ACTIVE", "CREATED"))
        self.assertEqual(acct["Email"], "sm@example.com")
        self.assertTrue(acct["Arn"].endswith("/" + done["AccountId"]))
        _, _, doc = self.emu.org("ListTagsForResource", {"ResourceId": done["AccountId"]})
        self.assertEqual(doc["Tags"], [{"Key": "team", "Value": "a"}])
        _, _, doc = self.emu.org("ListCreateAccountStatus", {"States": ["SUCCEEDED"]})
        self.assertIn(s["Id"], [r["Id"] for r in doc["CreateAccountStatuses"]])

    def test_duplicate_email_fails_later(self):
        self.new_account("dup@example.com")
        st, _, doc = self.emu.org("CreateAccount", {"Email": "dup@example.com",
                                                    "AccountName": "dup"})
        self.assertEqual((st, doc["CreateAccountStatus"]["State"]), (200, "IN_PROGRESS"))
        rid = doc["CreateAccountStatus"]["Id"]

        def failed():
            _, _, d = self.emu.org("DescribeCreateAccountStatus", {"CreateAccountRequestId": rid})
            return d["CreateAccountStatus"] if d["CreateAccountStatus"]["State"] == "FAILED" \
                else None
        self.assertEqual(wait_for(failed)["FailureReason"], "EMAIL_ALREADY_EXISTS")

    def test_validation_errors(self):
        st, _, doc = self.emu.org("CreateAccount", {"AccountName": "x"})
        self.assertEqual((st, doc["__type"], doc["Reason"]),
                         (400, "InvalidInputException", "INPUT_REQUIRED"))
        st, _, doc = self.emu.org("CreateAccount", {"Email": "not-an-email", "AccountName": "x"})
        self.assertEqual(doc["Reason"], "INVALID_PATTERN")
        st, _, doc = self.emu.org("DescribeAccount", {"AccountId": "12"})
        self.assertEqual(doc["__type"], "InvalidInputException")
        st, _, doc = self.emu.org("DescribeAccount", {"AccountId": "123456789012"})
        self.assertEqual((st, doc["__type"]), (400, "AccountNotFoundException"))
        st, _, doc = self.emu.org("DescribeCreateAccountStatus",
                                  {"CreateAccountRequestId": "car-00000000"})
        self.assertEqual(doc["__type"], "CreateAccountStatusNotFoundException")
        st, _, doc = self.emu.org("ListAccounts", {"MaxResults": 50})
        self.assertEqual(doc["__type"], "InvalidInputException")
        st, _, doc = self.emu.org("ListAccounts", {"NextToken": "garbage"})
        self.assertEqual(doc["Reason"], "INVALID_NEXT_TOKEN")

    def test_list_accounts_paginates(self):
        for i in range(3):
            self.new_account("page%d@example.com" % i)
        seen, token = [], None
        while True:
            body = {"MaxResults": 2}
            if token:
                body["NextToken"] = token
            _, _, doc = self.emu.org("ListAccounts", body)
            self.assertLessEqual(len(doc["Accounts"]), 2)
            seen += [a["Id"] for a in doc["Accounts"]]
            token = doc.get("NextToken")
            if not token:
                break
        self.assertEqual(len(seen), len(set(seen)))
        self.assertIn(MGMT_ACCOUNT, seen)
        self.assertGreaterEqual(len(seen), 4)

    def test_ous_parents_and_moves(self):
        acct = self.new_account()
        _, _, roots = self.emu.org("ListRoots")
        root = roots["Roots"][0]["Id"]
        st, _, doc = self.emu.org("CreateOrganizationalUnit", {"ParentId": root, "Name": "tenants"})
        ou = doc["OrganizationalUnit"]
        self.assertRegex(ou["Id"], r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
        st, _, doc = self.emu.org("CreateOrganizationalUnit", {"ParentId": root, "Name": "tenants"})
        self.assertEqual(doc["__type"], "DuplicateOrganizationalUnitException")
        _, _, doc = self.emu.org("DescribeOrganizationalUnit", {"OrganizationalUnitId": ou["Id"]})
        self.assertEqual(doc["OrganizationalUnit"]["Name"], "tenants")
        _, _, doc = self.emu.org("ListOrganizationalUnitsForParent", {"ParentId": root})
        self.assertIn(ou["Id"], [o["Id"] for o in doc["OrganizationalUnits"]])
        _, _, doc = self.emu.org("ListParents", {"ChildId": acct})
        self.assertEqual(doc["Parents"], [{"Id": root, "Type": "ROOT"}])
        st, _, doc = self.emu.org("MoveAccount", {"AccountId": acct, "SourceParentId": ou["Id"],
                                                  "DestinationParentId": root})
        self.assertEqual(doc["__type"], "SourceParentNotFoundException")
        st, _, doc = self.emu.org("MoveAccount", {"AccountId": acct, "SourceParentId": root,
                                                  "DestinationParentId": ou["Id"]})
        self.assertEqual(st, 200, doc)
        _, _, doc = self.emu.org("ListParents", {"ChildId": acct})
        self.assertEqual(doc["Parents"], [{"Id": ou["Id"], "Type": "ORGANIZATIONAL_UNIT"}])
        _, _, doc = self.emu.org("DescribeAccount", {"AccountId": acct})
        self.assertIn("/%s/%s/" % (ou["Id"], acct), doc["Account"]["Paths"][0])
        st, _, doc = self.emu.org("MoveAccount", {"AccountId": acct, "SourceParentId": ou["Id"],
                                                  "DestinationParentId": "ou-zzzz-zzzzzzzz"})
        self.assertEqual(doc["__type"], "DestinationParentNotFoundException")
        st, _, doc = self.emu.org("DeleteOrganizationalUnit", {"OrganizationalUnitId": ou["Id"]})
        self.assertEqual(doc["__type"], "OrganizationalUnitNotEmptyException")

    def test_tags(self):
        acct = self.new_account()
        st, _, _ = self.emu.org("TagResource", {"ResourceId": acct, "Tags": [
            {"Key": "cost-center", "Value": "42"}, {"Key": "owner", "Value": "me"}]})
        self.assertEqual(st, 200)
        self.emu.org("UntagResource", {"ResourceId": acct, "TagKeys": ["owner"]})
        _, _, doc = self.emu.org("ListTagsForResource", {"ResourceId": acct})
        self.assertEqual(doc["Tags"], [{"Key": "cost-center", "Value": "42"}])
        st, _, doc = self.emu.org("TagResource", {"ResourceId": "999999999999", "Tags": []})
        self.assertEqual(doc["__type"], "TargetNotFoundException")
        st, _, doc = self.emu.org("TagResource", {"ResourceId": acct, "Tags": [
            {"Key": "aws:reserved", "Value": "x"}]})
        self.assertEqual(doc["__type"], "InvalidInputException")

    def test_close_account_and_quota(self):
        st, _, doc = self.emu.org("CloseAccount", {"AccountId": MGMT_ACCOUNT})
        self.assertEqual((doc["__type"], doc["Reason"]),
                         ("ConstraintViolationException", "CANNOT_CLOSE_MANAGEMENT_ACCOUNT"))
        accts = [self.new_account() for _ in range(4)]
        self.org_hold(True)  # PENDING_CLOSURE until released
        st, _, doc = self.emu.org("CloseAccount", {"AccountId": accts[0]})
        self.assertEqual((st, doc), (200, {}))
        _, _, doc = self.emu.org("DescribeAccount", {"AccountId": accts[0]})
        self.assertEqual((doc["Account"]["State"], doc["Account"]["Status"]),
                         ("PENDING_CLOSURE", "PENDING_CLOSURE"))
        st, _, doc = self.emu.org("CloseAccount", {"AccountId": accts[0]})
        self.assertEqual(doc["__type"], "AccountAlreadyClosedException")
        self.org_hold(False)
        wait_for(lambda: self.emu.org("DescribeAccount", {"AccountId": accts[0]})[2][
            "Account"]["State"] == "SUSPENDED")
        # assuming a role in a suspended account is refused
        st, _, _ = self.emu.xml("sts", "AssumeRole", {
            "RoleArn": "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % accts[0],
            "RoleSessionName": "late"})
        self.assertEqual(st, 403)
        self.assertEqual(self.emu.org("CloseAccount", {"AccountId": accts[1]})[0], 200)
        self.assertEqual(self.emu.org("CloseAccount", {"AccountId": accts[2]})[0], 200)
        st, _, doc = self.emu.org("CloseAccount", {"AccountId": accts[3]})
        self.assertEqual((st, doc["__type"], doc["Reason"]),
                         (400, "ConstraintViolationException", "CLOSE_ACCOUNT_QUOTA_EXCEEDED"))

    def test_member_account_cannot_manage_the_organization(self):
        acct, creds = self.tenant()
        st, _, doc = self.emu.org("CreateAccount", {"Email": "m@example.com", "AccountName": "m"},
                                  creds=creds)
        self.assertEqual(doc["__type"], "AccessDeniedException")
        st, _, doc = self.emu.org("DescribeOrganization", creds=creds)
        self.assertEqual(st, 200)
