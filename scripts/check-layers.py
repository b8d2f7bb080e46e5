#!/usr/bin/env python3
"""Layer rules of DESIGN.md §4, checked on every C file: each #include must point at the file's
own layer or one it may use. Layers point down only:

    host (provider/*.c, include/host_*.h)  ->  resources (resources/, res_*.h)
      ->  {engine (provider/tf/, tf_*.h), AWS client (provider/aws/, aws_*.h)}  ->  common (uc_*.h)

The engine and the AWS client never include each other, and nothing below the host includes
gRPC, protobuf-c or generated protocol code. Tests and fuzz targets follow the layer in their
name (test_<layer>_*.c, fuzz_<layer>_*.c). Prints each offending include as
`path:line: <layer> must not include <header>` and exits 1; exits 0 when all files pass.
"""

import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

# Project headers by prefix -> layer.
HEADER_LAYER = {
    "host_": "host", "res_": "resources", "tf_": "engine", "aws_": "aws", "uc_": "common",
}
# Layers a layer may include (its own included).
MAY_USE = {
    "host": {"host", "resources", "engine", "aws", "common", "proto"},
    "resources": {"resources", "engine", "aws", "common"},
    "engine": {"engine", "common"},
    "aws": {"aws", "common"},
    "common": {"common"},
}
# Third-party headers each layer must not include (by path prefix inside <...> or "...").
FORBIDDEN_SYSTEM = {
    "host": (),
    "resources": ("grpc/", "grpc++", "protobuf-c/"),
    "engine": ("grpc/", "grpc++", "protobuf-c/", "openssl/", "curl/", "libxml/", "expat"),
    "aws": ("grpc/", "grpc++", "protobuf-c/", "msgpack"),
    "common": ("grpc/", "grpc++", "protobuf-c/", "openssl/", "curl/", "libxml/", "expat", "msgpack"),
}
TEST_LAYER = {"host": "host", "res": "resources", "tf": "engine", "aws": "aws", "common": "common"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def layer_of(rel):
    """The layer of a repository file, or None when the rules do not apply to it."""
    parts = rel.split("/")
    base = parts[-1]
    if parts[0] == "provider":
        if len(parts) == 2:
            return "host"
        return {"tf": "engine", "aws": "aws", "common": "common"}.get(parts[1])
    if parts[0] == "resources":
        return "resources"
    if parts[0] == "include":
        for prefix, layer in HEADER_LAYER.items():
            if base.startswith(prefix):
                return layer
        return None
    if parts[0] == "tests" and len(parts) >= 3:
        m = re.match(r"(?:test|fuzz)_([a-z]+)_", base)
        if m:
            return TEST_LAYER.get(m.group(1))
        if base.startswith("fuzz_tf") or base.startswith("tf_"):
            return "engine"  # helpers shared by the engine's tests and fuzz targets
        if base.startswith("test_aws"):
            return "aws"
    return None


def header_layer(name):
    base = os.path.basename(name)
    if base.endswith(".pb-c.h"):
        return "proto"
    if base == "aws_internal.h":
        return "aws"
    for prefix, layer in HEADER_LAYER.items():
        if base.startswith(prefix):
            return layer
    return None


def files():
    for top in ("provider", "resources", "include", "tests"):
        for dirpath, _, names in os.walk(os.path.join(ROOT, top)):
            for n in sorted(names):
                if n.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(dirpath, n), ROOT)


def main():
    bad = 0
    checked = 0
    for rel in files():
        layer = layer_of(rel)
        if layer is None:
            continue
        checked += 1
        with open(os.path.join(ROOT, rel), encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                name = m.group(2)
                target = header_layer(name) if m.group(1) == '"' else None
                if target is not None and target not in MAY_USE[layer]:
                    print(f"{rel}:{lineno}: {layer} must not include {name} ({target} layer)")
                    bad += 1
                elif FORBIDDEN_SYSTEM[layer] and name.startswith(FORBIDDEN_SYSTEM[layer]):
                    print(f"{rel}:{lineno}: {layer} must not include {name}")
                    bad += 1
    if bad:
        print(f"layer check: {bad} forbidden include(s) in {checked} files (DESIGN.md §4)")
        return 1
    print(f"layer check: {checked} files follow DESIGN.md §4")
    return 0


if __name__ == "__main__":
    sys.exit(main())
