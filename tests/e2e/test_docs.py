"""Documentation stays true to the code: every resource page embeds its example file verbatim,
and every attribute and block of a resource's or data source's schema (read from the built
provider through `terraform providers schema -json`) is named on its page. docs/index.md (the
provider page) names every argument and block of the provider block, embeds
examples/provider/provider.tf, and lists every environment variable the C sources read; the
registry-layout examples (examples/provider/provider.tf, examples/resources/<type>/resource.tf,
examples/data-sources/<type>/data-source.tf) pass `terraform validate`, every resource has its
import.sh, and descriptions are sent as markdown. docs/catalog.md is what
scripts/gen_catalog_md.py makes from the compiled-in catalog.
"""
import glob
import json
import os
import re
import sys
import unittest

import harness

sys.path.insert(0, os.path.join(harness.REPO, "scripts"))
import gen_catalog_md  # noqa: E402

DOCS = os.path.join(harness.REPO, "docs", "resources")
INDEX = os.path.join(harness.REPO, "docs", "index.md")
EXAMPLES = os.path.join(harness.REPO, "examples")
# The source address the registry-layout examples use (docs/index.md, "Source address").
COMPANY_SOURCE = "registry.example.com/platform/unicron"
# Read by the code but set by Terraform for the plugin, or test-only hooks: not for users.
ENV_NOT_FOR_USERS = {"TF_PLUGIN_MAGIC_COOKIE", "PLUGIN_PROTOCOL_VERSIONS", "PLUGIN_CLIENT_CERT",
                     "PLUGIN_UNIX_SOCKET_DIR", "TF_DISABLE_PLUGIN_TLS", "TMPDIR",
                     "UNICRON_DEBUG_BLOCK_RPC"}

# Resource page -> the example file it embeds.
EMBEDDED = {
    "tenant.md": os.path.join("examples", "tenant", "main.tf"),
    "addon.md": os.path.join("examples", "addon", "main.tf"),
    "cluster.md": os.path.join("examples", "cluster", "main.tf"),
}
DATA_DOCS = os.path.join(harness.REPO, "docs", "data-sources")
DATA_PAGES = ["addon_catalog.md"]


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

    def provider_schemas(self):
        w = self.workdir({"main.tf": 'terraform {\n  required_providers {\n'
                                     '    unicron = { source = "unicron/unicron" }\n  }\n}\n'})
        r = w.tf("providers", "schema", "-json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return next(iter(json.loads(r.stdout)["provider_schemas"].values()))

    def test_every_schema_name_is_documented(self):
        schemas = self.provider_schemas()
        resources = schemas["resource_schemas"]
        for page in EMBEDDED:
            rtype = "unicron_" + page[:-3]
            with open(os.path.join(DOCS, page)) as f:
                doc = f.read()
            for name in schema_names(resources[rtype]["block"]):
                # `name`, or a nested attribute written as `environment.*.name`
                found = re.search(r"[`.]%s`" % re.escape(name), doc)
                self.assertTrue(found, "%s: %s is not documented" % (page, name))
        data_sources = schemas.get("data_source_schemas", {})
        for page in DATA_PAGES:
            dtype = "unicron_" + page[:-3]
            with open(os.path.join(DATA_DOCS, page)) as f:
                doc = f.read()
            for name in schema_names(data_sources[dtype]["block"]):
                self.assertRegex(doc, r"[`.]%s`" % re.escape(name),
                                 "%s: %s is not documented" % (page, name))

    def test_catalog_page_matches_the_compiled_in_catalog(self):
        want = gen_catalog_md.render(gen_catalog_md.components(harness.provider_binary()))
        with open(gen_catalog_md.OUT) as f:
            self.assertEqual(f.read(), want,
                             "docs/catalog.md is out of date: run scripts/gen_catalog_md.py")

    def test_provider_page_documents_every_argument(self):
        with open(INDEX) as f:
            doc = f.read()
        block = self.provider_schemas()["provider"]["block"]
        for name in schema_names(block):
            self.assertRegex(doc, r"`%s`" % re.escape(name),
                             "docs/index.md: provider argument %s is not documented" % name)
        with open(os.path.join(EXAMPLES, "provider", "provider.tf")) as f:
            example = f.read().strip()
        self.assertIn(example, doc, "docs/index.md does not embed examples/provider/provider.tf")

    def test_provider_page_lists_every_environment_variable(self):
        with open(INDEX) as f:
            doc = f.read()
        found = set()
        for path in glob.glob(os.path.join(harness.REPO, "provider", "**", "*.c"), recursive=True):
            with open(path) as f:
                src = f.read()
            found |= set(re.findall(r'(?:getenv|aws_env)\("([A-Z][A-Z0-9_]*)"\)', src))
            if "AWS_ENDPOINT_URL_%s" in src:
                found.add("AWS_ENDPOINT_URL_<SERVICE>")
        self.assertIn("AWS_ACCESS_KEY_ID", found)  # the scan itself works
        for name in sorted(found - ENV_NOT_FOR_USERS):
            self.assertIn("`%s`" % name, doc, "docs/index.md does not list %s" % name)

    def test_descriptions_are_markdown(self):
        provider = self.provider_schemas()
        blocks = [provider["provider"]["block"]]
        blocks += [s["block"] for s in provider["resource_schemas"].values()]
        blocks += [s["block"] for s in provider.get("data_source_schemas", {}).values()]
        for block in blocks:
            self.assertEqual(block.get("description_kind"), "markdown", block.get("description"))
            for name, attr in block.get("attributes", {}).items():
                self.assertEqual(attr.get("description_kind"), "markdown", name)

    def test_registry_examples_validate(self):
        """examples/provider/provider.tf with each examples/resources/<type>/resource.tf passes
        `terraform validate`; every resource type has both files."""
        types = sorted(self.provider_schemas()["resource_schemas"])
        with open(os.path.join(EXAMPLES, "provider", "provider.tf")) as f:
            provider_tf = f.read()
        self.assertIn('source  = "%s"' % COMPANY_SOURCE, provider_tf)
        for rtype in types:
            d = os.path.join(EXAMPLES, "resources", rtype)
            with self.subTest(resource=rtype):
                with open(os.path.join(d, "import.sh")) as f:
                    self.assertIn("terraform import %s." % rtype, f.read())
                with open(os.path.join(d, "resource.tf")) as f:
                    resource_tf = f.read()
                self.assertIn('resource "%s"' % rtype, resource_tf)
                w = self.workdir({"provider.tf": provider_tf, "resource.tf": resource_tf})
                w.write(".terraformrc", 'provider_installation {\n  dev_overrides {\n'
                        '    "%s" = "%s"\n  }\n  direct {}\n}\n'
                        % (COMPANY_SOURCE, os.path.dirname(harness.provider_binary())))
                r = w.tf("validate", "-no-color")
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for dtype in sorted(self.provider_schemas().get("data_source_schemas", {})):
            with self.subTest(data_source=dtype):
                with open(os.path.join(EXAMPLES, "data-sources", dtype, "data-source.tf")) as f:
                    ds_tf = f.read()
                self.assertIn('data "%s"' % dtype, ds_tf)
                w = self.workdir({"provider.tf": provider_tf, "data-source.tf": ds_tf})
                w.write(".terraformrc", 'provider_installation {\n  dev_overrides {\n'
                        '    "%s" = "%s"\n  }\n  direct {}\n}\n'
                        % (COMPANY_SOURCE, os.path.dirname(harness.provider_binary())))
                r = w.tf("validate", "-no-color")
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
