#!/usr/bin/env bash
# The lock manager end to end: 3 replicas (separate processes, loopback UDP),
# clients acquiring and releasing through different replicas.
# Usage: benchmarks/lock_manager/demo.sh [otr|lv]   (default lv)
set -euo pipefail
cd "$(dirname "$0")/../.."
ALGO="${1:-lv}"
CFG=benchmarks/apps/cluster.toml
cargo build -q --release -p psync-benchmarks --bin lock-replica --bin lock-client
BIN="${CARGO_TARGET_DIR:-target}/release"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
for i in 0 1 2; do
    # Bounded: each replica stops by itself after 60 s.
    "$BIN/lock-replica" --config "$CFG" --id "$i" --algorithm "$ALGO" --seconds 60 &
    PIDS+=($!)
done
sleep 0.5
ask() { # replica-port command name expected
    local out rc=0
    out=$("$BIN/lock-client" --replica "127.0.0.1:$1" "$2" "$3") || rc=$?
    printf '%-28s -> %-8s (expected %s)\n' "$2 $3 @ :$1" "$out" "$4"
    [ "$out" = "$4" ] || { echo "demo: unexpected answer"; exit 1; }
}
ask_id() { # replica-port command name request-id expected
    local out rc=0
    out=$("$BIN/lock-client" --replica "127.0.0.1:$1" "$2" "$3" --id "$4") || rc=$?
    printf '%-28s -> %-8s (expected %s)\n' "$2 $3 #$4 @ :$1" "$out" "$5"
    [ "$out" = "$5" ] || { echo "demo: unexpected answer"; exit 1; }
}
ask 5440 acquire alice SUCCESS
ask 5441 acquire bob   FAILED
ask 5442 release bob   FAILED
ask_id 5442 release alice 2 SUCCESS
ask 5441 acquire bob   SUCCESS
# Alice's release again, as after a lost answer: the same request id gets
# the first answer, and bob keeps the lock.
ask_id 5440 release alice 2 SUCCESS
ask 5440 acquire alice FAILED
echo "demo: all answers as expected ($ALGO)"
