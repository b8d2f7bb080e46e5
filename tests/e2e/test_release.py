"""The release, installed the way users install it (issue 11): scripts/release.sh builds dist/
once for this module; then, with no dev_overrides anywhere,

* the zip, SHA256SUMS, its gpg signature (a throwaway key) and the manifest are what a registry
  serves; the binary prints its version,
  needs nothing outside glibc (`readelf -d`), no symbol newer than GLIBC_2.31, and runs in a
  chroot holding only Debian 11's glibc 2.31 (version, plugin handshake with mTLS);
* unzipped into a filesystem mirror, `terraform init` installs it, `terraform providers lock
  -fs-mirror` records the h1: hash release.sh published, and the tenant example applies against
  tools/localaws; a lock file seeded with the SHA256SUMS zh: hash (as a registry hands out) accepts
  the zip and a wrong one is refused;
* through the provider network mirror release.sh writes, served over HTTPS by a local server with
  a test CA (Terraform trusts it through SSL_CERT_FILE), init + apply work the same;
* the linux_arm64 zip (cross-built) is listed in SHA256SUMS and the mirror with its h1: hash, its
  binary is AArch64 and needs nothing outside glibc, and under qemu-user with only an arm64 glibc
  it prints its version, answers the plugin handshake with its mTLS certificate, and serves
  Terraform through an apply of the tenant example. Skipped, saying why, when the cross toolchain
  or qemu-user is not installed (scripts/deps.sh installs them).

Skipped, saying why, only when the release cannot be built on this machine. UNICRON_RELEASE_DIST
names an existing dist/ to test instead of building one.
"""
import base64
import hashlib
import http.server
import json
import os
import re
import shutil
import ssl
import subprocess
import tempfile
import threading
import unittest
import zipfile

import harness

NAME = "terraform-provider-unicron"
HOST, NAMESPACE = "registry.example.com", "platform"
SOURCE = "%s/%s/unicron" % (HOST, NAMESPACE)
GLIBC_LIBS = {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1",
              "ld-linux-x86-64.so.2"}
GLIBC_FLOOR = (2, 31)  # docs/internals/release.md, scripts/release.sh
ARM64_GLIBC_LIBS = {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1",
                    "ld-linux-aarch64.so.1"}
ARM64_GLIBC_FLOOR = (2, 34)  # linked against bookworm's glibc (docs/internals/release.md)
ARM64_GLIBC_DIR = "/usr/aarch64-linux-gnu/lib"  # libc6-arm64-cross: the arm64 glibc
COOKIE = ("TF_PLUGIN_MAGIC_COOKIE",
          "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2")


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def version():
    return read(os.path.join(harness.REPO, "VERSION")).strip()


def missing_prerequisites():
    """Why the release cannot be built here, or None."""
    for tool in ("cmake", "gcc", "zip", "readelf", "objdump", "terraform", "openssl"):
        if shutil.which(tool) is None:
            return "%s is not installed" % tool
    for a in ("libgrpc.a", "libssl.a", "libcrypto.a", "libexpat.a", "libjansson.a",
              "libmsgpackc.a", "libprotobuf-c.a", "libz.a"):
        if not os.path.exists(os.path.join("/usr/lib/x86_64-linux-gnu", a)):
            return "no static archive %s (scripts/deps.sh installs the -dev packages)" % a
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libcurl4-openssl-dev"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return "libcurl4-openssl-dev is not installed"
    return None


def qemu_aarch64():
    return shutil.which("qemu-aarch64-static") or shutil.which("qemu-aarch64")


def arm64_unbuildable():
    """Why release.sh cannot build linux_arm64 here (as scripts/release_arm64.sh decides)."""
    for tool in ("gcc", "strip", "readelf", "objdump"):
        if shutil.which("aarch64-linux-gnu-" + tool) is None:
            return "no aarch64-linux-gnu-%s (gcc-aarch64-linux-gnu)" % tool
    r = subprocess.run(["aarch64-linux-gnu-gcc", "-print-file-name=libstdc++.a"],
                       capture_output=True, text=True)
    if not os.path.isabs(r.stdout.strip()):
        return "no arm64 libstdc++.a (libstdc++-12-dev-arm64-cross)"
    if qemu_aarch64() is None:
        return "no qemu-aarch64 (qemu-user-static)"
    return None


def glibc_versions(path):
    """The GLIBC_x.y symbol versions an ELF file of any machine needs (readelf reads them all)."""
    syms = subprocess.run(["readelf", "-W", "--dyn-syms", path], capture_output=True,
                          text=True, check=True).stdout
    return {tuple(int(x) for x in v.split("."))
            for v in re.findall(r"@GLIBC_([0-9]+\.[0-9]+(?:\.[0-9]+)?)", syms)}


def glibc_2_31_sysroot():
    """Debian 11's glibc 2.31, fetched by scripts/glibc-sysroot.sh into release.sh's work
    directory (already there when this module ran release.sh)."""
    work = os.environ.get("UNICRON_RELEASE_WORK") or os.path.join(harness.REPO, "build-release")
    r = subprocess.run([os.path.join(harness.REPO, "scripts", "glibc-sysroot.sh"), "amd64",
                        os.path.join(work, "glibc-2.31-amd64")],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise AssertionError("scripts/glibc-sysroot.sh failed:\n" + r.stderr)
    return r.stdout.strip()


def h1_of_zip(path):
    """Terraform's h1: (Go dirhash Hash1) of a zip's files, computed independently."""
    with zipfile.ZipFile(path) as z:
        names = sorted(i.filename for i in z.infolist() if not i.is_dir())
        lines = "".join("%s  %s\n" % (hashlib.sha256(z.read(n)).hexdigest(), n)
                        for n in names)
    return "h1:" + base64.b64encode(hashlib.sha256(lines.encode()).digest()).decode()


def lock_hashes(workdir):
    """The hashes of our provider in the working directory's .terraform.lock.hcl."""
    text = read(os.path.join(workdir, ".terraform.lock.hcl"))
    m = re.search(r'provider "%s" \{(.*?)\n\}' % re.escape(SOURCE), text, re.S)
    if not m:
        raise AssertionError("lock file has no %s:\n%s" % (SOURCE, text))
    return set(re.findall(r'"((?:h1|zh):[^"]+)"', m.group(1)))


def tenant_example():
    """examples/tenant/main.tf with the company source address a user would write."""
    text = read(os.path.join(harness.REPO, "examples", "tenant", "main.tf"))
    out = text.replace('source = "unicron/unicron"',
                       'source  = "%s"\n      version = "%s"' % (SOURCE, version()))
    assert out != text, "examples/tenant/main.tf no longer names unicron/unicron"
    return out


class MirrorServer:
    """A static HTTPS file server on 127.0.0.1 with a certificate from a throwaway CA."""

    def __init__(self, root, tmp):
        self.ca = os.path.join(tmp, "ca.pem")
        ca_key, key, csr, crt = (os.path.join(tmp, n) for n in
                                 ("ca.key", "server.key", "server.csr", "server.pem"))
        ext = os.path.join(tmp, "server.ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                    "extendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n")
        for cmd in (
                ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-keyout", ca_key, "-out", self.ca, "-days", "1",
                 "-subj", "/CN=unicron test mirror CA"],
                ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
                ["x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", ca_key,
                 "-CAcreateserial", "-out", crt, "-days", "1", "-extfile", ext]):
            subprocess.run(["openssl"] + cmd, check=True, capture_output=True)
        self.requests = []
        requests = self.requests

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=root, **kw)

            def log_message(self, fmt, *args):
                requests.append(self.path)

            def do_POST(self):
                """Stands in for an AWS endpoint: any call is refused with a JSON error, which
                the provider can only read if its TLS handshake succeeded."""
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.dumps({"__type": "UnrecognizedClientException",
                                   "message": "reached over TLS"}).encode()
                self.send_response(400)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.url = "https://127.0.0.1:%d/" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class ReleaseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="unicron-release-")
        cls.version = version()
        dist = os.environ.get("UNICRON_RELEASE_DIST")
        if not dist:
            why = missing_prerequisites()
            if why:
                shutil.rmtree(cls.tmp, ignore_errors=True)
                raise unittest.SkipTest("release cannot be built on this machine: " + why)
            dist = os.path.join(cls.tmp, "dist")
            env = dict(os.environ, UNICRON_DIST_DIR=dist, UNICRON_RELEASE_ALLOW_DIRTY="1",
                       UNICRON_MIRROR_HOST=HOST, UNICRON_MIRROR_NAMESPACE=NAMESPACE)
            env.pop("UNICRON_GPG_KEY", None)
            if shutil.which("gpg"):
                # A throwaway signing key in a private keyring: release.sh signs the SUMS file.
                cls.gnupghome = os.path.join(cls.tmp, "gnupg")
                os.mkdir(cls.gnupghome, 0o700)
                subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
                                "unicron release test <release@unicron.invalid>", "ed25519",
                                "sign", "1d"], env=dict(os.environ, GNUPGHOME=cls.gnupghome),
                               check=True, capture_output=True, timeout=120)
                env.update(GNUPGHOME=cls.gnupghome, UNICRON_GPG_KEY="release@unicron.invalid")
            r = subprocess.run([os.path.join(harness.REPO, "scripts", "release.sh")], env=env,
                               capture_output=True, text=True, timeout=3600)
            if r.returncode != 0:
                shutil.rmtree(cls.tmp, ignore_errors=True)
                raise AssertionError("scripts/release.sh failed:\n" + r.stderr[-4000:])
        cls.dist = dist
        cls.zip = os.path.join(dist, "%s_%s_linux_amd64.zip" % (NAME, cls.version))
        cls.mirror = os.path.join(dist, "mirror")
        # The binary, unpacked once for the checks that run it.
        cls.bin_dir = os.path.join(cls.tmp, "unpacked")
        with zipfile.ZipFile(cls.zip) as z:
            z.extractall(cls.bin_dir)
        cls.bin = os.path.join(cls.bin_dir, "%s_v%s" % (NAME, cls.version))
        os.chmod(cls.bin, 0o755)
        cls.arm64_zip = os.path.join(dist, "%s_%s_linux_arm64.zip" % (NAME, cls.version))
        cls.arm64_skip = None
        if not os.path.exists(cls.arm64_zip):
            why = arm64_unbuildable()
            if os.environ.get("UNICRON_RELEASE_DIST"):
                cls.arm64_skip = "the dist/ under test has no linux_arm64 zip"
            elif why:
                cls.arm64_skip = "linux_arm64 cannot be built on this machine: " + why

    gnupghome = None

    @classmethod
    def tearDownClass(cls):
        if cls.gnupghome:  # the agent gpg started for the private keyring
            subprocess.run(["gpgconf", "--kill", "gpg-agent"],
                           env=dict(os.environ, GNUPGHOME=cls.gnupghome), capture_output=True)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # --- the artifacts ---------------------------------------------------------------------------

    def test_zip_sums_manifest(self):
        with zipfile.ZipFile(self.zip) as z:
            names = sorted(z.namelist())
            info = z.getinfo("%s_v%s" % (NAME, self.version))
        self.assertIn("LICENSE", names)
        self.assertIn("THIRD_PARTY_NOTICES", names)
        self.assertFalse([n for n in names if "/" in n], "the zip must be flat: %s" % names)
        self.assertTrue((info.external_attr >> 16) & 0o100, "binary is not executable in the zip")
        manifest = "%s_%s_manifest.json" % (NAME, self.version)
        self.assertEqual(json.loads(read(os.path.join(self.dist, manifest))),
                         {"version": 1, "metadata": {"protocol_versions": ["6.0", "5.0"]}})
        sums = read(os.path.join(self.dist, "%s_%s_SHA256SUMS" % (NAME, self.version)))
        listed = dict(reversed(line.split("  ")) for line in sums.splitlines())
        for f in (os.path.basename(self.zip), manifest):
            self.assertEqual(listed.get(f), hashlib.sha256(read(os.path.join(self.dist, f),
                                                                "rb")).hexdigest(), f)
        # Network mirror layout: index.json lists the version, <version>.json the archive
        # with the h1: hash of the zip's contents.
        base = os.path.join(self.mirror, HOST, NAMESPACE, "unicron")
        self.assertEqual(json.loads(read(os.path.join(base, "index.json"))),
                         {"versions": {self.version: {}}})
        arch = json.loads(read(os.path.join(base, self.version + ".json")))["archives"]
        self.assertEqual(arch["linux_amd64"]["hashes"], [h1_of_zip(self.zip)])
        self.assertTrue(os.path.exists(os.path.join(base, arch["linux_amd64"]["url"])))

    def test_sums_signature(self):
        sums = os.path.join(self.dist, "%s_%s_SHA256SUMS" % (NAME, self.version))
        if not self.gnupghome:
            self.skipTest("gpg is not installed (or an existing dist/ is tested): no signature")
        env = dict(os.environ, GNUPGHOME=self.gnupghome)
        r = subprocess.run(["gpg", "--batch", "--verify", sums + ".sig", sums], env=env,
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("release@unicron.invalid", r.stderr)
        tampered = os.path.join(self.tmp, "SHA256SUMS.tampered")
        with open(tampered, "w") as f:
            f.write(read(sums).replace("0", "1", 1))
        r = subprocess.run(["gpg", "--batch", "--verify", sums + ".sig", tampered], env=env,
                           capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0, "a changed SUMS file still verifies")

    def test_version_flag(self):
        r = subprocess.run([self.bin, "--version"], capture_output=True, text=True, timeout=30)
        self.assertEqual((r.returncode, r.stdout), (0, "%s %s\n" % (NAME, self.version)))

    def test_needs_only_glibc(self):
        size = os.path.getsize(self.bin)
        self.assertLessEqual(size, 15 * 1024 * 1024, "binary is %d bytes" % size)
        dyn = subprocess.run(["readelf", "-d", self.bin], capture_output=True, text=True,
                             check=True).stdout
        needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dyn))
        self.assertTrue(needed, dyn)
        self.assertLessEqual(needed, GLIBC_LIBS, "needs more than glibc: %s" % needed)
        self.assertNotIn("RPATH", dyn)
        self.assertNotIn("RUNPATH", dyn)
        versions = glibc_versions(self.bin)
        self.assertLessEqual(max(versions), GLIBC_FLOOR,
                             "a symbol needs glibc %s" % ".".join(map(str, max(versions))))
        for lib in ("libcurl", "libssl", "libcrypto", "libgrpc", "libxml2", "libexpat",
                    "libjansson", "libmsgpack", "libprotobuf", "libstdc++", "libgcc_s"):
            self.assertNotIn(lib, dyn)
        # ldd (the loader itself) resolves nothing but glibc either.
        ldd = subprocess.run(["ldd", self.bin], capture_output=True, text=True).stdout
        for line in ldd.splitlines():
            lib = line.split()[0]
            if lib.startswith("linux-vdso"):
                continue
            self.assertIn(os.path.basename(lib), GLIBC_LIBS, line)

    def test_runs_on_glibc_2_31(self):
        """The binary on Debian 11's glibc 2.31 (the sysroot scripts/glibc-sysroot.sh fetches,
        the one release.sh linked against): in a root directory holding nothing but that glibc
        it prints its version and answers the plugin handshake with mTLS, and a TLS client
        completes a handshake on its socket with the client certificate. chroot needs root;
        otherwise the binary is started through 2.31's dynamic loader with its libraries."""
        sysroot = glibc_2_31_sysroot()
        libdir = os.path.join(sysroot, "lib", "x86_64-linux-gnu")
        interp = re.search(r"interpreter: (/\S+)\]", subprocess.run(
            ["readelf", "-l", self.bin], capture_output=True, text=True, check=True).stdout)
        self.assertEqual(interp.group(1), "/lib64/ld-linux-x86-64.so.2")
        libc = os.path.join(libdir, "libc.so.6")
        crt, key = harness.client_cert(self.tmp)
        env = {COOKIE[0]: COOKIE[1], "PLUGIN_PROTOCOL_VERSIONS": "5,6",
               "PLUGIN_UNIX_SOCKET_DIR": "/tmp", "PLUGIN_CLIENT_CERT": read(crt)}
        if os.geteuid() == 0:
            root = os.path.join(self.tmp, "root")
            os.makedirs(os.path.join(root, "tmp"), exist_ok=True)
            # The loader and every library the binary needs, transitively, from the sysroot.
            todo, done = [self.bin], set()
            while todo:
                dyn = subprocess.run(["readelf", "-d", todo.pop()], capture_output=True,
                                     text=True, check=True).stdout
                for name in re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dyn):
                    if name not in done:
                        done.add(name)
                        todo.append(os.path.join(libdir, name))
            copies = {interp.group(1): os.path.join(libdir, "ld-linux-x86-64.so.2")}
            copies.update({"/lib/x86_64-linux-gnu/" + n: os.path.join(libdir, n) for n in done})
            for dest, src in copies.items():
                os.makedirs(os.path.dirname(root + dest), exist_ok=True)
                shutil.copy2(os.path.realpath(src), root + dest)
            shutil.copy2(self.bin, os.path.join(root, "provider"))
            files = sorted(os.path.relpath(os.path.join(d, f), root)
                           for d, _, fs in os.walk(root) for f in fs)
            self.assertTrue(all(os.path.basename(f) in GLIBC_LIBS | {"provider"}
                                for f in files), files)
            chroot = shutil.which("chroot") or "/usr/sbin/chroot"
            # The libc in there is 2.31 (glibc's libc.so.6 prints its version when run).
            r = subprocess.run([chroot, root, "/lib/x86_64-linux-gnu/libc.so.6"], env={},
                               capture_output=True, text=True, timeout=30)
            self.assertIn("release version 2.31", r.stdout)
            run, lib_root, sock_root = [chroot, root, "/provider"], root, root
        else:
            loader = [os.path.join(sysroot, "lib64", "ld-linux-x86-64.so.2"), "--library-path",
                      libdir]
            r = subprocess.run(loader + [libc], capture_output=True, text=True, timeout=30)
            self.assertIn("release version 2.31", r.stdout)
            run, lib_root, sock_root = loader + [self.bin], sysroot, ""
        r = subprocess.run(run + ["--version"], env={}, capture_output=True, text=True,
                           timeout=30)
        self.assertEqual((r.returncode, r.stdout.strip()),
                         (0, "%s %s" % (NAME, self.version)), r.stderr)
        p = subprocess.Popen(run, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        try:
            line = p.stdout.readline().strip()
            fields = line.split("|")
            self.assertEqual(len(fields), 6, "handshake line %r" % line)
            self.assertEqual(fields[:3], ["1", fields[1], "unix"])
            self.assertIn(fields[1], ("5", "6"))
            self.assertEqual(fields[4], "grpc")
            # mTLS: the server certificate (base64 DER) is in the line ...
            der = base64.b64decode(fields[5] + "=" * (-len(fields[5]) % 4))
            self.assertEqual(der[:1], b"\x30", "no server certificate in %r" % line)
            with open("/proc/%d/maps" % p.pid) as f:
                maps = f.read()
            mapped = set(re.findall(r"(/\S+\.so[.0-9]*)", maps))
            self.assertTrue(mapped, maps)
            glibc_dirs = {lib_root + "/lib/x86_64-linux-gnu", lib_root + "/lib64"}
            self.assertTrue(all(os.path.dirname(m) in glibc_dirs for m in mapped),
                            "maps libraries not from glibc 2.31: %s" % sorted(mapped))
            # ... and a TLS client presenting PLUGIN_CLIENT_CERT gets through the handshake (its
            # stdout may hold the server's first HTTP/2 frames).
            tls = subprocess.run(["openssl", "s_client", "-unix", sock_root + fields[3],
                                  "-cert", crt, "-key", key, "-alpn", "h2", "-brief"],
                                 stdin=subprocess.DEVNULL, capture_output=True,
                                 encoding="utf-8", errors="replace", timeout=60)
            self.assertIn("CONNECTION ESTABLISHED", tls.stderr, tls.stdout + tls.stderr)
            self.assertIn("Peer certificate:", tls.stderr, tls.stderr)
        finally:
            p.kill()
            p.communicate()

    # --- linux_arm64 ------------------------------------------------------------------------------

    def arm64_bin(self):
        """The arm64 binary, unzipped once; skips (saying why) only when it cannot be built."""
        if self.arm64_skip:
            self.skipTest(self.arm64_skip)
        self.assertTrue(os.path.exists(self.arm64_zip),
                        "release.sh had the cross toolchain but wrote no %s" % self.arm64_zip)
        path = os.path.join(self.tmp, "arm64", "%s_v%s" % (NAME, self.version))
        if not os.path.exists(path):
            with zipfile.ZipFile(self.arm64_zip) as z:
                z.extractall(os.path.dirname(path))
            os.chmod(path, 0o755)
        return path

    def arm64_root(self):
        """A root directory holding only the arm64 glibc, for qemu-aarch64 -L."""
        qemu = qemu_aarch64()
        if qemu is None:
            self.skipTest("no qemu-aarch64 to run the arm64 binary (qemu-user-static)")
        root = os.path.join(self.tmp, "arm64-root")
        if not os.path.isdir(root):
            if not os.path.exists(os.path.join(ARM64_GLIBC_DIR, "libc.so.6")):
                self.skipTest("no arm64 glibc in %s (libc6-arm64-cross)" % ARM64_GLIBC_DIR)
            os.makedirs(os.path.join(root, "lib"))
            for lib in ARM64_GLIBC_LIBS:
                src = os.path.join(ARM64_GLIBC_DIR, lib)
                if os.path.exists(src):
                    shutil.copy2(os.path.realpath(src), os.path.join(root, "lib", lib))
        return qemu, root

    def test_arm64_zip_sums_and_mirror(self):
        binary = self.arm64_bin()
        name = os.path.basename(self.arm64_zip)
        with zipfile.ZipFile(self.arm64_zip) as z:
            names = sorted(z.namelist())
            info = z.getinfo(os.path.basename(binary))
            notices = z.read("THIRD_PARTY_NOTICES").decode()
        self.assertEqual(names, sorted(["CHANGELOG.md", "LICENSE", "README.md",
                                        "THIRD_PARTY_NOTICES", os.path.basename(binary)]))
        self.assertTrue((info.external_attr >> 16) & 0o100, "binary is not executable in the zip")
        for pkg in ("libcurl", "libgrpc-dev", "libssl-dev", "libexpat1-dev", "libstdc++"):
            self.assertIn("==== " + pkg, notices)
        sums = read(os.path.join(self.dist, "%s_%s_SHA256SUMS" % (NAME, self.version)))
        listed = dict(reversed(line.split("  ")) for line in sums.splitlines())
        self.assertEqual(listed.get(name), hashlib.sha256(read(self.arm64_zip, "rb")).hexdigest())
        base = os.path.join(self.mirror, HOST, NAMESPACE, "unicron")
        arch = json.loads(read(os.path.join(base, self.version + ".json")))["archives"]
        self.assertEqual(set(arch), {"linux_amd64", "linux_arm64"})
        self.assertEqual(arch["linux_arm64"]["hashes"], [h1_of_zip(self.arm64_zip)])
        self.assertNotEqual(arch["linux_arm64"]["hashes"], arch["linux_amd64"]["hashes"])
        self.assertEqual(read(os.path.join(base, arch["linux_arm64"]["url"]), "rb"),
                         read(self.arm64_zip, "rb"))
        # Terraform computes the same h1: when it locks both platforms from the (packed) mirror,
        # as docs/guides/getting-started.md tells users to.
        main = ('terraform {\n  required_providers {\n    unicron = { source = "%s" }\n  }\n}\n'
                % SOURCE)
        w = self.workdir(self.fs_config(self.mirror), {"main.tf": main})
        r = w.tf("providers", "lock", "-fs-mirror=" + self.mirror, "-platform=linux_amd64",
                 "-platform=linux_arm64", "-no-color")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(lock_hashes(w.path),
                         set(arch["linux_amd64"]["hashes"] + arch["linux_arm64"]["hashes"]))

    def test_arm64_is_aarch64_needing_only_glibc(self):
        binary = self.arm64_bin()
        header = subprocess.run(["readelf", "-h", binary], capture_output=True, text=True,
                                check=True).stdout
        self.assertRegex(header, r"Machine:\s+AArch64")
        self.assertRegex(header, r"Class:\s+ELF64")
        size = os.path.getsize(binary)
        self.assertLessEqual(size, 15 * 1024 * 1024, "binary is %d bytes" % size)
        dyn = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True,
                             check=True).stdout
        needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dyn))
        self.assertIn("libc.so.6", needed)
        self.assertLessEqual(needed, ARM64_GLIBC_LIBS, "needs more than glibc: %s" % needed)
        self.assertNotIn("RPATH", dyn)
        self.assertNotIn("RUNPATH", dyn)
        interp = subprocess.run(["readelf", "-l", binary], capture_output=True, text=True,
                                check=True).stdout
        self.assertIn("[Requesting program interpreter: /lib/ld-linux-aarch64.so.1]", interp)
        versions = glibc_versions(binary)
        self.assertTrue(versions)
        self.assertLessEqual(max(versions), ARM64_GLIBC_FLOOR,
                             "a symbol needs glibc %s" % ".".join(map(str, max(versions))))

    def test_arm64_runs_under_qemu(self):
        """Under qemu-user with nothing but the arm64 glibc: --version, then the go-plugin
        handshake with the server certificate for Terraform's client certificate (mTLS)."""
        binary = self.arm64_bin()
        qemu, root = self.arm64_root()
        r = subprocess.run([qemu, "-L", root, binary, "--version"], env={},
                           capture_output=True, text=True, timeout=120)
        self.assertEqual((r.returncode, r.stdout), (0, "%s %s\n" % (NAME, self.version)),
                         r.stderr)
        sockdir = tempfile.mkdtemp(dir=self.tmp)
        cert, key = harness.client_cert(sockdir)
        env = {COOKIE[0]: COOKIE[1], "PLUGIN_PROTOCOL_VERSIONS": "5,6",
               "PLUGIN_UNIX_SOCKET_DIR": sockdir, "PLUGIN_CLIENT_CERT": read(cert)}
        # Without the magic cookie it is not a plugin start: it says so and exits.
        r = subprocess.run([qemu, "-L", root, binary], env={}, capture_output=True, text=True,
                           timeout=120)
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(r.stdout, "")
        p = subprocess.Popen([qemu, "-L", root, binary], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            fields = p.stdout.readline().strip().split("|")
            self.assertEqual(len(fields), 6, "handshake line %r" % fields)
            self.assertEqual(fields[:3], ["1", "6", "unix"])
            self.assertEqual(fields[4], "grpc")
            self.assertTrue(fields[3].startswith(sockdir + "/"), fields[3])
            self.assertTrue(os.path.exists(fields[3]), "no socket at %s" % fields[3])
            der = base64.b64decode(fields[5] + "=" * (-len(fields[5]) % 4))
            x509 = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject"],
                                  input=der, capture_output=True, check=True).stdout
            self.assertIn(b"localhost", x509)
            with open("/proc/%d/maps" % p.pid) as f:
                maps = f.read()
            mapped = {os.path.basename(m) for m in re.findall(r"(/\S+\.so[.0-9]*)", maps)}
            self.assertIn("libc.so.6", mapped)  # qemu maps the guest's libraries in its process
            self.assertLessEqual(mapped, ARM64_GLIBC_LIBS, "maps more than glibc: %s" % mapped)
            # A TLS client presenting PLUGIN_CLIENT_CERT gets through the handshake.
            tls = subprocess.run(["openssl", "s_client", "-unix", fields[3], "-cert", cert,
                                  "-key", key, "-alpn", "h2", "-brief"],
                                 stdin=subprocess.DEVNULL, capture_output=True,
                                 encoding="utf-8", errors="replace", timeout=120)
            self.assertIn("CONNECTION ESTABLISHED", tls.stderr, tls.stdout + tls.stderr)
            self.assertIn("Peer certificate:", tls.stderr, tls.stderr)
        finally:
            p.kill()
            p.communicate()

    def test_arm64_serves_terraform_under_qemu(self):
        """Terraform runs the arm64 provider (through qemu-user, by a dev_overrides wrapper):
        gRPC over mTLS, SigV4 over the static libcurl; the tenant example applies and a second
        plan shows no changes."""
        binary = self.arm64_bin()
        qemu, root = self.arm64_root()
        wrapper_dir = os.path.join(self.tmp, "arm64-override")
        os.makedirs(wrapper_dir, exist_ok=True)
        wrapper = os.path.join(wrapper_dir, NAME)
        runs = os.path.join(self.tmp, "arm64-runs")
        with open(wrapper, "w") as f:
            f.write('#!/bin/sh\necho run >>"%s"\nexec "%s" -L "%s" "%s" "$@"\n'
                    % (runs, qemu, root, binary))
        os.chmod(wrapper, 0o755)
        cfg = ('provider_installation {\n  dev_overrides { "%s" = "%s" }\n  direct {}\n}\n'
               % (harness.PROVIDER_ADDR, wrapper_dir))
        main = read(os.path.join(harness.REPO, "examples", "tenant", "main.tf"))
        with harness.LocalAWS() as aws:
            w = self.workdir(cfg, {"main.tf": main}, localaws=aws)
            self.apply_tenant(w, aws)
        self.assertGreaterEqual(len(read(runs).splitlines()), 2, "terraform never ran the wrapper")

    # --- installing it ---------------------------------------------------------------------------

    def workdir(self, cli_config, files=None, localaws=None, env=None):
        w = harness.Workdir(files, localaws=localaws, env=env)
        self.addCleanup(w.cleanup)
        w.write(".terraformrc", cli_config)
        w.env.pop("TF_LOG", None)  # the trace of two applies is large and not needed here
        w.env.pop("TF_LOG_PATH", None)
        return w

    def unpacked_mirror(self):
        """The zip unzipped into a filesystem mirror (the unpacked layout)."""
        root = os.path.join(self.tmp, "fs-mirror")
        target = os.path.join(root, HOST, NAMESPACE, "unicron", self.version, "linux_amd64")
        if not os.path.isdir(target):
            os.makedirs(target)
            with zipfile.ZipFile(self.zip) as z:
                z.extractall(target)
            os.chmod(os.path.join(target, "%s_v%s" % (NAME, self.version)), 0o755)
        return root

    @staticmethod
    def fs_config(path):
        return ('provider_installation {\n  filesystem_mirror {\n    path    = "%s"\n'
                '    include = ["%s"]\n  }\n}\n' % (path, SOURCE))

    def published_h1(self):
        doc = read(os.path.join(self.mirror, HOST, NAMESPACE, "unicron", self.version + ".json"))
        return json.loads(doc)["archives"]["linux_amd64"]["hashes"][0]

    def apply_tenant(self, w, aws):
        var = ["-var", "aws_endpoint=" + aws.url]
        r = w.tf("apply", "-input=false", "-no-color", "-auto-approve", *var, timeout=600)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        accounts = [res for res in w.state()["resources"] if res["type"] == "unicron_tenant"]
        envs = accounts[0]["instances"][0]["attributes"]["environment"]
        self.assertEqual(len(envs), 3)
        self.assertTrue(all(re.fullmatch(r"[0-9]{12}", e["account_id"]) for e in envs), envs)
        r = w.tf("plan", "-input=false", "-no-color", "-detailed-exitcode", *var, timeout=600)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_filesystem_mirror_lock_and_apply(self):
        mirror = self.unpacked_mirror()
        with harness.LocalAWS() as aws:
            w = self.workdir(self.fs_config(mirror), {"main.tf": tenant_example()},
                             localaws=aws)
            r = w.tf("init", "-input=false", "-no-color")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("Installing %s v%s" % (SOURCE, self.version), r.stdout)
            # providers lock against the mirror records the same h1: release.sh published.
            os.remove(os.path.join(w.path, ".terraform.lock.hcl"))
            r = w.tf("providers", "lock", "-fs-mirror=" + mirror, "-platform=linux_amd64",
                     "-no-color")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertEqual(lock_hashes(w.path), {self.published_h1()})
            self.apply_tenant(w, aws)

    def test_registry_zh_hash_is_accepted(self):
        """A lock file with only the SHA256SUMS zh: hash accepts the zip; a wrong one does not."""
        packed = os.path.join(self.mirror)  # the mirror directory holds the zip: packed layout
        sums = read(os.path.join(self.dist, "%s_%s_SHA256SUMS" % (NAME, self.version)))
        zh = "zh:" + next(line.split()[0] for line in sums.splitlines()
                          if line.endswith("_linux_amd64.zip"))
        main = ('terraform {\n  required_providers {\n    unicron = {\n      source  = "%s"\n'
                '      version = "%s"\n    }\n  }\n}\n' % (SOURCE, self.version))

        def lock(h):
            return ('provider "%s" {\n  version     = "%s"\n  constraints = "%s"\n'
                    '  hashes = [\n    "%s",\n  ]\n}\n' % (SOURCE, self.version, self.version, h))

        w = self.workdir(self.fs_config(packed),
                         {"main.tf": main, ".terraform.lock.hcl": lock(zh)})
        r = w.tf("init", "-input=false", "-no-color")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # Terraform adds the h1: it computed to the hash the registry gave.
        self.assertEqual(lock_hashes(w.path), {zh, self.published_h1()})

        bad = "zh:" + "0" * 64
        w = self.workdir(self.fs_config(packed),
                         {"main.tf": main, ".terraform.lock.hcl": lock(bad)})
        r = w.tf("init", "-input=false", "-no-color")
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("checksum", r.stderr.lower())

    def test_network_mirror_over_https(self):
        server = MirrorServer(self.mirror, self.tmp)
        self.addCleanup(server.stop)
        cfg = ('provider_installation {\n  network_mirror {\n    url = "%s"\n'
               '    include = ["%s"]\n  }\n}\n' % (server.url, SOURCE))
        with harness.LocalAWS() as aws:
            w = self.workdir(cfg, {"main.tf": tenant_example()}, localaws=aws,
                             env={"SSL_CERT_FILE": server.ca})
            r = w.tf("init", "-input=false", "-no-color")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("/%s/%s/unicron/index.json" % (HOST, NAMESPACE), server.requests)
            self.assertTrue(any(p.endswith("_linux_amd64.zip") for p in server.requests),
                            server.requests)
            self.assertIn(self.published_h1(), lock_hashes(w.path))
            self.apply_tenant(w, aws)
        # Without the test CA the mirror is not trusted: nothing is installed.
        w = self.workdir(cfg, {"main.tf": tenant_example()})
        r = w.tf("init", "-input=false", "-no-color")
        self.assertNotEqual(r.returncode, 0, r.stdout)

    def test_https_to_aws_with_static_libcurl(self):
        """The linked-in libcurl speaks TLS and verifies: the CA from AWS_CA_BUNDLE, or from
        SSL_CERT_FILE (the trust store the release finds on its own); no CA, no connection."""
        server = MirrorServer(self.mirror, self.tmp)
        self.addCleanup(server.stop)
        main = ('terraform {\n  required_providers {\n    unicron = { source = "%s" }\n  }\n}\n'
                'provider "unicron" {\n  region      = "us-east-1"\n  max_retries = 0\n}\n'
                'resource "unicron_tenant" "t" {\n  name           = "tls-check"\n'
                '  email_template = "aws+{tenant}-{environment}@example.com"\n'
                '  cost_center    = "CC-1"\n  owner          = "platform"\n'
                '  environment {\n    name = "dev"\n  }\n}\n' % SOURCE)
        keys = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
                "AWS_ENDPOINT_URL": server.url.rstrip("/")}
        for trust in ({"AWS_CA_BUNDLE": server.ca}, {"SSL_CERT_FILE": server.ca}, {}):
            with self.subTest(trust=sorted(trust)):
                w = self.workdir(self.fs_config(self.unpacked_mirror()), {"main.tf": main},
                                 env=dict(keys, **trust))
                r = w.tf("init", "-input=false", "-no-color")
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                r = w.tf("apply", "-input=false", "-no-color", "-auto-approve", timeout=300)
                out = harness.strip_ansi(r.stdout + r.stderr)
                self.assertNotEqual(r.returncode, 0, out)
                if trust:
                    self.assertIn("reached over TLS", out)
                else:
                    self.assertNotIn("reached over TLS", out)
                    self.assertRegex(out.lower(), r"certificate|ssl|tls")


if __name__ == "__main__":
    unittest.main()
