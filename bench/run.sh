#!/bin/sh
# bench/run.sh - benchmarks; they print figures and assert nothing.
#   bench/run.sh [BIN]              plugin host (bench/host_bench.py): handshake median against the
#                                   process floor (/bin/echo), plan ratio against terraform_data,
#                                   provider max RSS; without BIN for the dev build and, when
#                                   scripts/release.sh has built it, the release binary users run
#   bench/run.sh refresh [OPTS]     refresh scaling (bench/refresh_bench.py): N = 50,200,500 tenants
#                                   against localaws --latency-ms 20, -parallelism=10: wall time,
#                                   AWS calls per tenant, ratio to the latency bound, peak RSS
#   bench/run.sh clusters [OPTS]    cluster refresh (bench/cluster_bench.py): N = 10,50 clusters with
#                                   two node groups and three add-ons each (one of each kind), same
#                                   figures per cluster
#   bench/run.sh drift [OPTS]       the drift runner over 200 tenants (bench/drift_bench.py)
#   bench/run.sh all [BIN]          plugin host, tenant refresh scaling and cluster refresh
# BIN defaults to build/terraform-provider-unicron.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
case "${1:-}" in
refresh)
    shift
    exec python3 "$here/refresh_bench.py" "$@"
    ;;
clusters)
    shift
    exec python3 "$here/cluster_bench.py" "$@"
    ;;
drift)
    shift
    exec python3 "$here/drift_bench.py" "$@"
    ;;
all)
    shift
    if [ $# -gt 0 ]; then
        python3 "$here/host_bench.py" --bin "$1"
        python3 "$here/refresh_bench.py" --bin "$1"
        exec python3 "$here/cluster_bench.py" --bin "$1"
    fi
    python3 "$here/host_bench.py"
    python3 "$here/refresh_bench.py"
    exec python3 "$here/cluster_bench.py"
    ;;
esac
if [ $# -gt 0 ]; then
    exec python3 "$here/host_bench.py" --bin "$1"
fi
exec python3 "$here/host_bench.py"
