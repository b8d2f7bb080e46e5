#!/usr/bin/env python3
"""localaws: a local emulator of AWS Organizations, STS, IAM, EKS (with Capabilities) and each emulated
cluster's Kubernetes API, for the unicron provider's tests and for offline HCL development.

Usage: python3 tools/localaws/localaws.py --port PORT [options]; prints exactly one line
"localaws ready on http://127.0.0.1:PORT" once it accepts requests. See docs/localaws.md.
Standard library only (plus the `openssl` command for cluster certificates).
"""

import argparse
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from localaws_lib.server import App, Server  # noqa: E402
from localaws_lib.store import Config  # noqa: E402


def _rate(text):
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _nonneg(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def _day(text):
    from localaws_lib.eks_catalog import parse_day
    try:
        parse_day(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be YYYY-MM-DD")
    return text


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="localaws", description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=_nonneg, default=4566,
                    help="TCP port on 127.0.0.1 (0 = pick a free one; default 4566)")
    ap.add_argument("--latency-ms", type=_nonneg, default=0,
                    help="added to every AWS API answer")
    ap.add_argument("--throttle-rate", type=_rate, default=0.0,
                    help="fraction of AWS calls answered with the service's throttling error")
    ap.add_argument("--error-rate", type=_rate, default=0.0,
                    help="fraction of AWS calls answered with a transient 5xx error")
    ap.add_argument("--seed", type=int, default=None, help="seed of the fault injector")
    ap.add_argument("--async-delay-ms", type=_nonneg, default=300,
                    help="how long CREATING / IN_PROGRESS / UPDATING / DELETING states last "
                         "(default 300)")
    ap.add_argument("--role-propagation-ms", type=_nonneg, default=None,
                    help="delay before a new account's access role can be assumed "
                         "(default: --async-delay-ms)")
    ap.add_argument("--close-account-quota", type=_nonneg, default=200,
                    help="CloseAccount calls allowed per rolling 30 days (default 200)")
    ap.add_argument("--state-file", default=None, help="JSON file the state is kept in")
    ap.add_argument("--today", type=_day, default=None,
                    help="YYYY-MM-DD: the date EKS Kubernetes version support is computed for "
                         "(default: the real date)")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    cfg = Config(port=args.port, latency_ms=args.latency_ms, throttle_rate=args.throttle_rate,
                 error_rate=args.error_rate, seed=args.seed, async_delay_ms=args.async_delay_ms,
                 role_propagation_ms=args.role_propagation_ms,
                 close_account_quota=args.close_account_quota, state_file=args.state_file,
                 verbose=args.verbose, today=args.today)
    app = App(cfg)
    server = Server(("127.0.0.1", args.port), app)
    cfg.port = server.server_address[1]

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stdout.write("localaws ready on http://127.0.0.1:%d\n" % cfg.port)
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    except SystemExit:
        pass
    finally:
        server.server_close()
        with app.store.lock:
            if app.store.dirty:
                app.store.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
