#!/usr/bin/env bash
# Decisions/s of OTR and LastVoting over UDP, 20 in flight, with durability
# off and on (write-ahead log on the local disk and on /dev/shm), without
# and with a cluster key, side by side in one run. Prints a markdown table.
#   benchmarks/runtime_bench/durability.sh [seconds] [disk dir]
set -euo pipefail
secs=${1:-3}
disk=${2:-$(mktemp -d "${TMPDIR:-/var/tmp}/psync-wal.XXXXXX")}
shm=$(mktemp -d /dev/shm/psync-wal.XXXXXX)
trap 'rm -rf "$shm"' EXIT
cargo build --release -q -p psync-benchmarks --bin runtime-bench
bin=target/release/runtime-bench
key=$(openssl rand -hex 32)
echo "| algorithm | key | data_dir | decisions/s | fsyncs/decision | failed |"
echo "|-----------|-----|----------|-------------|-----------------|--------|"
for alg in otr lv; do
  for auth in off on; do
    for where in off disk shm; do
      args=(--protocol udp --algorithm "$alg" --in-flight 20 --seconds "$secs")
      [ "$auth" = on ] && args+=(--set "key=$key")
      case $where in
        disk) args+=(--data-dir "$disk") ;;
        shm) args+=(--data-dir "$shm") ;;
      esac
      line=$("$bin" "${args[@]}")
      get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
      echo "| $alg | $auth | $where | $(get decisions_per_s) | $(get fsyncs_per_decision) | $(get failed) |"
    done
  done
done
