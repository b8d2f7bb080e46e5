#!/usr/bin/env python3
"""Drift runner benchmark (issue 12): creates N tenant workspaces (2 environments each) against
tools/localaws with --latency-ms of added latency per AWS call, then runs tools/drift/drift.py
over them at several concurrencies and prints tenants per minute and AWS calls per tenant (from
localaws's stats endpoint), per service. Prints figures, asserts nothing.

Usage: python3 bench/drift_bench.py [--tenants 200] [--latency-ms 20]
                                    [--concurrency 4,8,16] [--bin PATH]
"""
import argparse
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import drift_fixture  # noqa: E402
import harness  # noqa: E402


def ops_delta(before, after):
    out = {}
    for svc, ops in after["operations"].items():
        for op, n in ops.items():
            d = n - before["operations"].get(svc, {}).get(op, 0)
            if d:
                out.setdefault(svc, {})[op] = d
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tenants", type=int, default=200)
    ap.add_argument("--latency-ms", type=int, default=20)
    ap.add_argument("--concurrency", default="4,8,16")
    ap.add_argument("--create-parallel", type=int, default=8)
    ap.add_argument("--bin", help="provider binary (default build/terraform-provider-unicron)")
    args = ap.parse_args()
    if args.bin:
        os.environ["UNICRON_PROVIDER_BIN"] = os.path.abspath(args.bin)
    levels = [int(c) for c in args.concurrency.split(",")]
    print("drift bench: %d tenants (2 environments each), localaws --latency-ms %d, "
          "%d CPUs" % (args.tenants, args.latency_ms, os.cpu_count() or 0), flush=True)
    with harness.LocalAWS("--latency-ms", str(args.latency_ms), async_delay_ms=5) as la:
        api = drift_fixture.out_of_band_api(la)
        ou = api.create_ou(api.root_id(), "tenants")
        fleet = drift_fixture.Fleet(la, args.tenants, ou)
        try:
            t0 = time.monotonic()
            fleet.create_all(parallel=args.create_parallel)
            print("created %d tenants in %.0fs (%d applies in parallel)"
                  % (args.tenants, time.monotonic() - t0, args.create_parallel), flush=True)
            for c in levels:
                out = tempfile.mkdtemp(prefix="unicron-drift-bench-")
                before = api.stats()
                t0 = time.monotonic()
                r = fleet.run("--workspaces", fleet.root, "--concurrency", str(c),
                              "--out", out, "--timeout", "900")
                elapsed = time.monotonic() - t0
                after = api.stats()
                calls = after["requests"] - before["requests"]
                per_svc = {svc: sum(ops.values()) / args.tenants
                           for svc, ops in ops_delta(before, after).items()}
                print("concurrency %2d: exit %d, %.0fs, %.1f tenants/min, %.1f AWS calls/tenant "
                      "(%s), %.1f AWS calls/s"
                      % (c, r.returncode, elapsed, args.tenants * 60.0 / elapsed,
                         calls / args.tenants,
                         ", ".join("%s %.1f" % kv for kv in sorted(per_svc.items())),
                         calls / elapsed), flush=True)
                if c == levels[0]:
                    for svc, ops in sorted(ops_delta(before, after).items()):
                        print("  %s per tenant: %s" % (svc, ", ".join(
                            "%s %.2f" % (op, n / args.tenants) for op, n in sorted(ops.items()))))
                if r.returncode != 0:
                    print(r.stderr[-2000:])
        finally:
            fleet.cleanup()


if __name__ == "__main__":
    main()
