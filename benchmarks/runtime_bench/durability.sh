#!/usr/bin/env bash
# Decisions/s of OTR and LastVoting over UDP, 20 in flight, with durability
# off and on (write-ahead log on the local disk and on /dev/shm), without
# and with a cluster key, side by side in one run: the modes of one
# (algorithm, key) row group alternate, `runs` times, and the table shows
# every run and the median. Prints a markdown table.
#   benchmarks/runtime_bench/durability.sh [runs] [seconds] [disk dir]
set -euo pipefail
runs=${1:-3}
secs=${2:-3}
disk=${3:-$(mktemp -d "${TMPDIR:-/var/tmp}/psync-wal.XXXXXX")}
shm=$(mktemp -d /dev/shm/psync-wal.XXXXXX)
trap 'rm -rf "$shm" "$disk"' EXIT
cargo build --release -q -p psync-benchmarks --bin runtime-bench
bin=target/release/runtime-bench
key=$(openssl rand -hex 32)
median() { tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "| algorithm | key | data_dir | runs (decisions/s) | median | fsyncs/decision | failed |"
echo "|-----------|-----|----------|--------------------|--------|-----------------|--------|"
for alg in otr lv; do
  for auth in off on; do
    declare -A got=() syncs=() failed=()
    for _ in $(seq "$runs"); do
      for where in off disk shm; do
        args=(--protocol udp --algorithm "$alg" --in-flight 20 --seconds "$secs")
        [ "$auth" = on ] && args+=(--set "key=$key")
        case $where in
          disk) args+=(--data-dir "$disk") ;;
          shm) args+=(--data-dir "$shm") ;;
        esac
        line=$("$bin" "${args[@]}")
        get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
        got[$where]="${got[$where]:-} $(get decisions_per_s)"
        syncs[$where]=$(get fsyncs_per_decision)
        failed[$where]=$(( ${failed[$where]:-0} + $(get failed) ))
      done
    done
    for where in off disk shm; do
      runs_list=$(echo ${got[$where]} | sed 's/ /, /g')
      echo "| $alg | $auth | $where | $runs_list | $(echo ${got[$where]} | median) | ${syncs[$where]} | ${failed[$where]} |"
    done
    unset got syncs failed
  done
done
