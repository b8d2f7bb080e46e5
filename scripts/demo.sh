#!/usr/bin/env bash
# README's demo command: builds the provider, installs it into a local filesystem mirror so that
# `terraform init` works offline, starts tools/localaws, and runs Terraform on a copy of
# examples/. Leaves nothing running; the working copy is printed so it can be inspected.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VERSION=0.1.0

scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUNICRON_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target terraform-provider-unicron >/dev/null

work=$(mktemp -d /tmp/unicron-demo.XXXXXX)
mirror="$work/mirror/registry.terraform.io/unicron/unicron/$VERSION/linux_amd64"
mkdir -p "$mirror" "$work/config"
cp build/terraform-provider-unicron "$mirror/terraform-provider-unicron_v$VERSION"
cp examples/*.tf "$work/config/"
cat >"$work/terraformrc" <<EOT
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.terraform.io/unicron/*"]
  }
}
EOT
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 tools/localaws/localaws.py --port "$port" --state-file "$work/localaws-state.json" \
  >"$work/localaws.log" 2>&1 &
localaws_pid=$!
trap 'kill $localaws_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q "localaws ready on" "$work/localaws.log" 2>/dev/null && break
  sleep 0.05
done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
  AWS_REGION=us-east-1

cd "$work/config"
echo "== terraform init (offline, from the filesystem mirror in $work/mirror)"
terraform init -input=false -no-color
echo "== terraform validate"
terraform validate -no-color
echo "== terraform plan"
terraform plan -input=false -no-color
echo
echo "demo working directory: $work/config"
