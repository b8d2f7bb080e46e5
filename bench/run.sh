#!/bin/sh
# bench/run.sh - benchmarks; they print figures and assert nothing.
#   bench/run.sh [BIN]              plugin host (bench/host_bench.py): handshake median against the
#                                   process floor (/bin/echo), plan ratio against terraform_data,
#                                   provider max RSS; without BIN for the dev build and, when
#                                   scripts/release.sh has built it, the release binary users run
#   bench/run.sh refresh [OPTS]     refresh scaling (bench/refresh_bench.py): N = 50,200,500 tenants
#                                   against localaws --latency-ms 20, -parallelism=10: wall time,
#                                   AWS calls per tenant, ratio to the latency bound, peak RSS
#   bench/run.sh drift [OPTS]       the drift runner over 200 tenants (bench/drift_bench.py)
#   bench/run.sh all [BIN]          plugin host and refresh scaling
# BIN defaults to build/terraform-provider-unicron.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
case "${1:-}" in
refresh)
    shift
    exec python3 "$here/refresh_bench.py" "$@"
    ;;
drift)
    shift
    exec python3 "$here/drift_bench.py" "$@"
    ;;
all)
    shift
    if [ $# -gt 0 ]; then
        python3 "$here/host_bench.py" --bin "$1"
        exec python3 "$here/refresh_bench.py" --bin "$1"
    fi
    python3 "$here/host_bench.py"
    exec python3 "$here/refresh_bench.py"
    ;;
esac
if [ $# -gt 0 ]; then
    exec python3 "$here/host_bench.py" --bin "$1"
fi
exec python3 "$here/host_bench.py"
