#!/bin/sh
# bench/run.sh - plugin-host benchmark (bench/host_bench.py): handshake median, plan ratio
# against terraform_data, provider max RSS. Usage: bench/run.sh [path/to/terraform-provider-unicron]
# bench/run.sh drift [drift_bench.py options] - the drift runner over 200 tenants (bench/drift_bench.py)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = drift ]; then
    shift
    exec python3 "$here/drift_bench.py" "$@"
fi
if [ $# -gt 0 ]; then
    exec python3 "$here/host_bench.py" --bin "$1"
fi
exec python3 "$here/host_bench.py"
