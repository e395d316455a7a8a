#!/usr/bin/env bash
# psync's replicated key-value log beside etcd 3.4, like for like: three
# replicas on loopback, each system driven by a network client over TCP
# (etcd: gRPC puts over HTTP/2, `etcd-bench`; psync: the `kv-replica`
# client protocol, `kv-bench`, each request a client session of its own,
# applied once), 4 connections to every replica, the same numbers of
# requests in flight (100 and 1,000). Both keep their data in a directory
# of the same file system and fsync before answering: first on the disk
# (DISK_DIR, default /var/tmp), then on tmpfs (TMPFS_DIR, default
# /dev/shm); then psync without a data directory (its durability off).
# Installs Debian's etcd if missing; every process is killed at the end.
# Usage: benchmarks/etcd/run.sh [seconds]   (default 5 per measurement)
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS="${1:-5}"
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
DISK_DIR="${DISK_DIR:-/var/tmp}"
TMPFS_DIR="${TMPFS_DIR:-/dev/shm}"
IN_FLIGHT="100 1000"

if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
    echo "run.sh: installing etcd-server and etcd-client (Debian)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq etcd-server etcd-client >/dev/null
fi
cargo build -q --release -p psync-benchmarks --bin kv-replica --bin kv-bench
CARGO_TARGET_DIR="$TARGET" cargo build -q --release --manifest-path benchmarks/etcd/Cargo.toml

WORK=$(mktemp -d)
PIDS=()
DATA=()
stop_all() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    PIDS=()
    for d in "${DATA[@]}"; do rm -rf "$d"; done
    DATA=()
}
trap 'stop_all; rm -rf "$WORK"' EXIT

ROWS=()
row() { # system storage output
    local rps p50 p99
    f() { grep -oE "$1=[0-9.]+" <<<"$3" | cut -d= -f2; }
    rps=$(f requests_per_s "" "$3"); p50=$(f p50_ms "" "$3"); p99=$(f p99_ms "" "$3")
    local k; k=$(f in_flight "" "$3")
    ROWS+=("$(printf '| %-6s | %-22s | %9s | %10s | %8s | %8s |' "$1" "$2" "$k" "$rps" "$p50" "$p99")")
    echo "$3"
}

CLUSTER="m0=http://127.0.0.1:23800,m1=http://127.0.0.1:23801,m2=http://127.0.0.1:23802"
ENDPOINTS="127.0.0.1:23790,127.0.0.1:23791,127.0.0.1:23792"
etcd_run() { # storage-name dir
    local base; base=$(mktemp -d "$2/psync-etcd.XXXXXX"); DATA+=("$base")
    for i in 0 1 2; do
        timeout 900 etcd --name "m$i" --data-dir "$base/m$i" \
            --listen-client-urls "http://127.0.0.1:2379$i" --advertise-client-urls "http://127.0.0.1:2379$i" \
            --listen-peer-urls "http://127.0.0.1:2380$i" --initial-advertise-peer-urls "http://127.0.0.1:2380$i" \
            --initial-cluster "$CLUSTER" --initial-cluster-state new --initial-cluster-token psync-bench \
            --log-level error >"$WORK/etcd-m$i.log" 2>&1 &
        PIDS+=($!)
    done
    for _ in $(seq 1 100); do
        if ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" endpoint health >/dev/null 2>&1; then break; fi
        sleep 0.2
    done
    ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" endpoint health
    for k in $IN_FLIGHT; do
        row etcd "$1" "$("$TARGET/release/etcd-bench" --endpoints "$ENDPOINTS" --conns 4 --in-flight "$k" --seconds "$SECS")"
    done
    stop_all
}

cat >"$WORK/cluster.toml" <<EOF
[[replica]]
id = 0
address = "127.0.0.1"
port = 27440
[[replica]]
id = 1
address = "127.0.0.1"
port = 27441
[[replica]]
id = 2
address = "127.0.0.1"
port = 27442
[options]
protocol = "udp"
timeout_ms = 20
EOF
REPLICAS="127.0.0.1:28440,127.0.0.1:28441,127.0.0.1:28442"
psync_run() { # storage-name [dir]
    local base="" set=()
    if [ -n "${2:-}" ]; then base=$(mktemp -d "$2/psync-log.XXXXXX"); DATA+=("$base"); fi
    for i in 0 1 2; do
        set=()
        if [ -n "$base" ]; then set=(--set "data_dir=$base/r$i"); fi
        timeout 900 "$TARGET/release/kv-replica" --config "$WORK/cluster.toml" --id "$i" --batch 1000 --in-flight 8 "${set[@]}" \
            >"$WORK/kv-r$i.log" 2>&1 &
        PIDS+=($!)
    done
    for _ in $(seq 1 100); do
        if (exec 3<>/dev/tcp/127.0.0.1/28442) 2>/dev/null; then break; fi
        sleep 0.1
    done
    # Until a leader is established and answers.
    "$TARGET/release/kv-bench" --replicas "$REPLICAS" --in-flight 10 --seconds 1 >/dev/null
    for k in $IN_FLIGHT; do
        row psync "$1" "$("$TARGET/release/kv-bench" --replicas "$REPLICAS" --conns 4 --in-flight "$k" --seconds "$SECS")"
    done
    stop_all
}

etcd_run "disk ($DISK_DIR)" "$DISK_DIR"
psync_run "disk ($DISK_DIR)" "$DISK_DIR"
etcd_run "tmpfs ($TMPFS_DIR)" "$TMPFS_DIR"
psync_run "tmpfs ($TMPFS_DIR)" "$TMPFS_DIR"
psync_run "none (durability off)"
echo
echo "3 replicas on loopback, clients over TCP (4 connections per replica), ${SECS} s per row; latency from send to answer"
echo
echo "| system | storage                | in flight | requests/s | p50 (ms) | p99 (ms) |"
echo "|--------|------------------------|-----------|------------|----------|----------|"
printf '%s\n' "${ROWS[@]}"
