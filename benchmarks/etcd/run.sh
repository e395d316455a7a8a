#!/usr/bin/env bash
# psync's replicated log beside etcd 3.4, on loopback, same workload:
# 12-byte requests, 3 replicas, many in flight. Installs Debian's etcd if
# missing, runs a 3-member etcd cluster (data dirs on tmpfs, removed
# afterwards), measures both, prints one table.
# Usage: benchmarks/etcd/run.sh [seconds]   (default 3 per measurement)
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS="${1:-3}"
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"

if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
    echo "run.sh: installing etcd-server and etcd-client (Debian)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq etcd-server etcd-client >/dev/null
fi
cargo build -q --release -p psync-benchmarks --bin runtime-bench
CARGO_TARGET_DIR="$TARGET" cargo build -q --release --manifest-path benchmarks/etcd/Cargo.toml

BASE=$(mktemp -d "${TMPDIR_ETCD:-/dev/shm}/psync-etcd.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$BASE"
}
trap cleanup EXIT
CLUSTER="m0=http://127.0.0.1:23800,m1=http://127.0.0.1:23801,m2=http://127.0.0.1:23802"
ENDPOINTS="127.0.0.1:23790,127.0.0.1:23791,127.0.0.1:23792"
for i in 0 1 2; do
    # Bounded: each member is killed by the trap, and by timeout after 10 min.
    timeout 600 etcd --name "m$i" --data-dir "$BASE/m$i" \
        --listen-client-urls "http://127.0.0.1:2379$i" --advertise-client-urls "http://127.0.0.1:2379$i" \
        --listen-peer-urls "http://127.0.0.1:2380$i" --initial-advertise-peer-urls "http://127.0.0.1:2380$i" \
        --initial-cluster "$CLUSTER" --initial-cluster-state new --initial-cluster-token psync-bench \
        --log-level error >"$BASE/m$i.log" 2>&1 &
    PIDS+=($!)
done
for _ in $(seq 1 100); do
    if ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" endpoint health >/dev/null 2>&1; then break; fi
    sleep 0.2
done
ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" endpoint health

ROWS=()
row() { # system config line
    local rps; rps=$(grep -oE 'requests_per_s=[0-9]+' <<<"$3" | cut -d= -f2)
    ROWS+=("$(printf '| %-10s | %-44s | %12s |' "$1" "$2" "$rps")")
    echo "$3"
}
# (Beyond ~1000 in flight the h2 client's flood protection closes connections.)
for k in 100 1000; do
    out=$("$TARGET/release/etcd-bench" --endpoints "$ENDPOINTS" --conns 4 --in-flight $k --seconds "$SECS")
    row etcd "puts, $k in flight, 12 conns" "$out"
done
out=$("$TARGET/release/runtime-bench" --algorithm log --protocol udp --batch 1 --in-flight 20 --seconds "$SECS" --port 24700)
row psync "log, udp, no batching (1/slot), 20 slots in flight" "$out"
for p in udp tcp; do
    for b in 100 1000; do
        out=$("$TARGET/release/runtime-bench" --algorithm log --protocol $p --batch $b --in-flight 8 --seconds "$SECS" --port 24700)
        row psync "log, $p, batch <= $b, 8 slots in flight" "$out"
    done
done
echo
echo "| system     | workload (3 replicas, loopback, 12-byte requests) |   requests/s |"
echo "|------------|----------------------------------------------|--------------|"
printf '%s\n' "${ROWS[@]}"
