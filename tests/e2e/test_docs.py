"""Documentation stays true to the code: every resource page embeds its example file verbatim,
and every attribute and block of the resource's schema (read from the built provider through
`terraform providers schema -json`) is named on its page.
"""
import json
import os
import re
import unittest

import harness

DOCS = os.path.join(harness.REPO, "docs", "resources")

# Resource page -> the example file it embeds.
EMBEDDED = {
    "tenant.md": os.path.join("examples", "tenant", "main.tf"),
    "cluster.md": os.path.join("examples", "cluster", "main.tf"),
}


def schema_names(block, prefix=""):
    """Yields every attribute and nested block name of a schema block, recursively."""
    for name in block.get("attributes", {}):
        yield prefix + name
    for name, nested in block.get("block_types", {}).items():
        yield prefix + name
        yield from schema_names(nested["block"], prefix)


class DocsTest(harness.ProviderTestCase):
    def test_examples_are_embedded_verbatim(self):
        for page, example in EMBEDDED.items():
            with open(os.path.join(DOCS, page)) as f:
                doc = f.read()
            with open(os.path.join(harness.REPO, example)) as f:
                text = f.read().strip()
            self.assertIn(text, doc, "%s does not embed %s as it is" % (page, example))

    def test_every_schema_name_is_documented(self):
        w = self.workdir({"main.tf": 'terraform {\n  required_providers {\n'
                                     '    unicron = { source = "unicron/unicron" }\n  }\n}\n'})
        r = w.tf("providers", "schema", "-json")
        self.assertEqual(r.returncode, 0, r.stderr)
        schemas = json.loads(r.stdout)["provider_schemas"]
        resources = next(iter(schemas.values()))["resource_schemas"]
        for page in EMBEDDED:
            rtype = "unicron_" + page[:-3]
            with open(os.path.join(DOCS, page)) as f:
                doc = f.read()
            for name in schema_names(resources[rtype]["block"]):
                # `name`, or a nested attribute written as `environment.*.name`
                found = re.search(r"[`.]%s`" % re.escape(name), doc)
                self.assertTrue(found, "%s: %s is not documented" % (page, name))


if __name__ == "__main__":
    unittest.main()
