#!/usr/bin/env python3
"""Refresh-scaling benchmark (issue 13): for each N, a fresh tools/localaws with --latency-ms of
added latency per AWS call, N unicron_tenant resources (one environment, one access role each)
created by one apply, then `terraform plan -refresh-only -parallelism=P` timed. Prints, per N:
wall time, AWS calls per tenant (from localaws's /_localaws/stats, per operation), the latency
bound (calls x latency / P) and the ratio of the wall time to it; then one more refresh through
a wrapper that records the provider's peak RSS and CPU (kept off the timed runs). Prints
figures, asserts nothing (the machine may be loaded: wall times are noisy; the call counts are
exact).

Usage: python3 bench/refresh_bench.py [--tenants 50,200,500] [--latency-ms 20]
                                      [--parallelism 10] [--repeats 1] [--bin PATH]
Standard library only; needs `terraform` on PATH and the built provider. No network.
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import awsapi  # noqa: E402
import harness  # noqa: E402

PRINCIPAL = "arn:aws:iam::%s:role/platform-admins" % awsapi.MGMT_ACCOUNT


def config(url, n):
    out = ['terraform {\n  required_providers {\n    unicron = { source = "unicron/unicron" }\n'
           '  }\n}\n\nprovider "unicron" {\n  region = "us-east-1"\n  endpoints {\n'
           '    organizations = "%s"\n    sts = "%s"\n    iam = "%s"\n  }\n}\n' % (url, url, url)]
    for i in range(n):
        out.append('\nresource "unicron_tenant" "t%d" {\n  name = "bench-%d"\n'
                   '  email_template = "aws+{tenant}-{environment}@example.com"\n'
                   '  environment {\n    name = "dev"\n  }\n'
                   '  access {\n    role = "admin"\n    principals = ["%s"]\n  }\n}\n'
                   % (i, i, PRINCIPAL))
    return "".join(out)


def rss_wrapper(tmp, binary):
    """A directory holding a terraform-provider-unicron that runs the real one and appends its
    peak RSS (KiB) to the returned file when it exits."""
    wdir = os.path.join(tmp, "rsswrap")
    os.makedirs(wdir, exist_ok=True)
    out = os.path.join(tmp, "rss.txt")
    wrapper = os.path.join(wdir, "terraform-provider-unicron")
    with open(wrapper, "w") as f:
        f.write("#!%s\nimport resource, subprocess, sys\n"
                "rc = subprocess.call([%r])\n"
                "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
                "open(%r, 'a').write('%%d %%.3f\\n' %% (u.ru_maxrss, u.ru_utime + u.ru_stime))\n"
                "sys.exit(rc)\n"
                % (sys.executable, binary, out))
    os.chmod(wrapper, 0o755)
    return wdir, out


def tcp_peers(port):
    """Client ports of every TCP connection to 127.0.0.1:port the kernel still knows (open or in
    TIME-WAIT, which lasts 60 s): connections opened during a run = new ports afterwards."""
    try:
        out = subprocess.run(["ss", "-Htan", "( dport = :%d or sport = :%d )" % (port, port)],
                             capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    ports = set()
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 5:
            local, peer = f[3], f[4]
            ports.add(local if not local.endswith(":%d" % port) else peer)
    return ports


def cpu_s(pid):
    """User + system CPU seconds of process pid so far (None when unreadable)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))
    except (OSError, IndexError, ValueError):
        return None


def ops_delta(before, after):
    out = {}
    for svc, ops in after["operations"].items():
        for op, n in ops.items():
            d = n - before["operations"].get(svc, {}).get(op, 0)
            if d:
                out["%s:%s" % (svc, op)] = d
    return out


def point(n, a, binary, tmp, make_config=None, unit="tenant"):
    """Creates n resources (make_config(url, n), default: n tenants) with one apply, then times
    a refresh-only plan and prints its figures per unit."""
    make_config = make_config or config
    with harness.LocalAWS("--latency-ms", str(a.latency_ms), "--role-propagation-ms", "0",
                          async_delay_ms=5) as la:
        api = awsapi.AwsApi(la.url)
        w = harness.Workdir({"main.tf": make_config(la.url, n)}, localaws=la)
        w.env.pop("TF_LOG", None)
        w.env.pop("TF_LOG_PATH", None)
        try:
            t0 = time.monotonic()
            r = w.tf("apply", "-auto-approve", "-input=false", "-no-color", "-lock=false",
                     "-parallelism=%d" % a.create_parallelism, timeout=3600)
            if r.returncode != 0:
                print("N=%d: create failed:\n%s" % (n, (r.stdout + r.stderr)[-3000:]))
                return
            print("N=%d: created in %.0f s" % (n, time.monotonic() - t0), flush=True)
            wrapdir, rssfile = rss_wrapper(os.path.join(tmp, "n%d" % n), binary)
            # The timed runs start the provider itself; one more run goes through the wrapper
            # for its peak RSS and CPU. The wrapper's Python start sits on the path of each of
            # the plan's three provider processes, 0.1-0.25 s of wall time at N = 200 on 2 cores.
            for rep in range(a.repeats + 1):
                measured = rep == a.repeats
                with open(w.cli_config, "w") as f:
                    f.write('provider_installation {\n  dev_overrides { "%s" = "%s" }\n'
                            '  direct {}\n}\n' % (harness.PROVIDER_ADDR,
                                                  wrapdir if measured else
                                                  os.path.dirname(os.path.abspath(binary))))
                if os.path.exists(rssfile):
                    os.unlink(rssfile)
                conns = tcp_peers(la.port)
                la_cpu = cpu_s(la.proc.pid)
                before = api.stats()
                ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.monotonic()
                r = w.tf("plan", "-refresh-only", "-input=false", "-no-color", "-lock=false",
                         "-detailed-exitcode", "-parallelism=%d" % a.parallelism, timeout=3600)
                wall = time.monotonic() - t0
                ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                tf_cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
                after = api.stats()
                opened = tcp_peers(la.port)
                la_cpu = cpu_s(la.proc.pid) - la_cpu if la_cpu is not None else -1
                opened = len(opened - conns) if opened is not None and conns is not None else -1
                calls = after["requests"] - before["requests"]
                bound = calls * a.latency_ms / 1000.0 / a.parallelism
                if r.returncode not in (0, 2):
                    print((r.stdout + r.stderr)[-3000:])
                if measured:
                    with open(rssfile) as f:
                        rows = [x.split() for x in f if x.strip()]
                    print("N=%d measured run (through the RSS wrapper): provider peak RSS "
                          "%.1f MB, CPU: provider %.2f s, terraform + provider + wrapper %.2f s, "
                          "localaws %.2f s; wall %.2f s"
                          % (n, max(int(x[0]) for x in rows) / 1024.0,
                             sum(float(x[1]) for x in rows), tf_cpu, la_cpu, wall), flush=True)
                    continue
                print("N=%d refresh: exit %d (0 = no drift), wall %.2f s, %d AWS calls = %.2f "
                      "per %s, latency bound %.2f s, ratio %.2f, CPU: terraform + provider "
                      "%.2f s, localaws %.2f s; %d TCP connections opened"
                      % (n, r.returncode, wall, calls, calls / n, unit, bound,
                         wall / bound if bound else 0, tf_cpu, la_cpu, opened),
                      flush=True)
                if rep == 0:
                    print("  per %s: " % unit + ", ".join(
                        "%s %.2f" % (k, v / n) for k, v in sorted(ops_delta(before,
                                                                           after).items())))
        finally:
            w.cleanup()


def run(doc, title, flag, default, make_config=None, unit="tenant"):
    """The command line of a refresh benchmark: sizes from --<flag> (default), the options
    below, then point() for each size."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--" + flag, default=default)
    ap.add_argument("--latency-ms", type=int, default=20)
    ap.add_argument("--parallelism", type=int, default=10)
    ap.add_argument("--create-parallelism", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--bin", default=os.environ.get("UNICRON_PROVIDER_BIN") or
                    os.path.join(HERE, "..", "build", "terraform-provider-unicron"))
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    if not os.access(binary, os.X_OK):
        raise SystemExit("provider not built: %s" % binary)
    os.environ["UNICRON_PROVIDER_BIN"] = binary
    print("%s: localaws --latency-ms %d, -parallelism=%d, %d CPUs, load %s; binary %s"
          % (title, a.latency_ms, a.parallelism, os.cpu_count() or 0,
             " ".join("%.1f" % x for x in os.getloadavg()), binary), flush=True)
    tmp = tempfile.mkdtemp(prefix="uc-refresh-bench-")
    for n in (int(x) for x in getattr(a, flag).split(",") if x.strip()):
        point(n, a, binary, tmp, make_config, unit)


def main():
    run(__doc__, "refresh bench", "tenants", "50,200,500")

if __name__ == "__main__":
    main()
