#!/usr/bin/env bash
# README's demo command: builds the provider, installs it into a local filesystem mirror so that
# `terraform init` works offline, starts tools/localaws, applies examples/tenant (three AWS
# accounts with tags and access roles) and then examples/cluster (a second tenant with an EKS
# cluster and two node groups, one SPOT), prints the outputs, and after each apply runs a drift
# check (`terraform plan -detailed-exitcode`, which must find no changes). Leaves nothing
# running; the working copies and the emulator's state file are kept so they can be inspected.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VERSION=$(tr -d ' \t\r\n' <VERSION)

scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target terraform-provider-unicron >/dev/null

work=$(mktemp -d /tmp/unicron-demo.XXXXXX)
mirror="$work/mirror/registry.terraform.io/unicron/unicron/$VERSION/linux_amd64"
mkdir -p "$mirror" "$work/config" "$work/cluster" "$work/platform"
cp build/terraform-provider-unicron "$mirror/terraform-provider-unicron_v$VERSION"
cp examples/tenant/*.tf "$work/config/"
cp examples/cluster/*.tf "$work/cluster/"
cp examples/*.tf "$work/platform/"
cat >"$work/terraformrc" <<EOT
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.terraform.io/unicron/*"]
  }
}
EOT
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
# localaws' management account keys: supplied here, never written in the example's HCL.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
unset AWS_PROFILE AWS_SESSION_TOKEN

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 tools/localaws/localaws.py --port "$port" --state-file "$work/localaws-state.json" \
  >"$work/localaws.log" 2>&1 &
localaws_pid=$!
trap 'kill $localaws_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q "localaws ready on" "$work/localaws.log" 2>/dev/null && break
  sleep 0.05
done
grep -q "localaws ready on" "$work/localaws.log" || { cat "$work/localaws.log"; exit 1; }
endpoint="http://127.0.0.1:$port"

# demo_apply DIR NAME: init, apply, outputs and the drift check of one example.
demo_apply() {
  cd "$1"
  echo "== $2: terraform init (offline, from the filesystem mirror in $work/mirror)"
  terraform init -input=false -no-color
  echo "== $2: terraform apply (tools/localaws at $endpoint)"
  terraform apply -input=false -no-color -auto-approve -var "aws_endpoint=$endpoint"
  echo "== $2: terraform output"
  terraform output -no-color
  echo "== $2: drift check: terraform plan -detailed-exitcode"
  set +e
  terraform plan -input=false -no-color -detailed-exitcode -var "aws_endpoint=$endpoint"
  local rc=$?
  set -e
  case $rc in
    0) echo "drift check: no changes" ;;
    2) echo "drift check: changes found (unexpected right after apply)" >&2; exit 1 ;;
    *) echo "drift check: terraform plan failed" >&2; exit 1 ;;
  esac
}

demo_apply "$work/config" "examples/tenant"
demo_apply "$work/cluster" "examples/cluster"
terraform output -raw kubeconfig >"$work/cluster/kubeconfig"
demo_apply "$work/platform" "examples (the full tenant environment)"
echo
echo "demo working directories: $work/config, $work/cluster and $work/platform (kubeconfig:"
echo "$work/cluster/kubeconfig, exec auth through aws eks get-token; emulator state:"
echo "$work/localaws-state.json)"
