#!/bin/sh
# bench/run.sh - plugin-host benchmark (bench/host_bench.py): handshake median, plan ratio
# against terraform_data, provider max RSS. Usage: bench/run.sh [path/to/terraform-provider-unicron]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ]; then
    exec python3 "$here/host_bench.py" --bin "$1"
fi
exec python3 "$here/host_bench.py"
