#!/usr/bin/env bash
# A real network: 5 replicas, each in its own network namespace, over links
# with a one-way delay drawn uniformly from 1-9 ms (10 ms round trip on
# average) and 1 % packet loss, with replicas killed (SIGKILL) and started
# again during the run. Runs, one after the other:
#
#   * OTR and LastVoting (`psync-consensus`, the verified spec files), each
#     replica with a data_dir: a killed replica resumes from its write-ahead
#     log. Checked: every replica decided every instance, one value per
#     instance across all replicas and incarnations (`netns-check consensus`).
#   * the replicated KV log (`kv-replica`, `netns-kv-client` in a sixth
#     namespace), each replica with a data_dir: any replica, the leader
#     included, is killed and started again on its directory (it recovers
#     its snapshot and journal and resumes its slots). Checked: the
#     clients' history is linearizable key by key, and replicas that applied
#     as many slots applied the same log (`netns-check kv`).
#
# and prints a markdown table. Needs root and `ip` (iproute2). The links are
# veth pairs into a bridge with `tc qdisc … netem delay 5ms 4ms loss 1%` on
# each replica's side when the kernel has sch_netem, and otherwise TUN
# devices into `netns-switch`, which delays and drops in user space the
# same way. Every namespace and process it made is removed on exit.
#
#   benchmarks/netns/run.sh [seconds per run]        (default 30)
# Environment: INSTANCES (per consensus run, default 4000), IN_FLIGHT (20),
# TIMEOUT_MS (round timeout, 40), CLIENTS (KV clients, 8), KEYS (8),
# KILL_EVERY (mean seconds between kills, 4), DOWN (seconds down, 2),
# RUNS (which parts, default "otr lv kv"), KV_RESEND_MS (passed to
# kv-replica --resend-ms: when a follower forwards a request again),
# NET=netem|switch (default: netem if available), OUT (output directory).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-30}
n=5
instances=${INSTANCES:-4000}
in_flight=${IN_FLIGHT:-20}
timeout_ms=${TIMEOUT_MS:-40}
clients=${CLIENTS:-8}
keys=${KEYS:-8}
kill_every=${KILL_EVERY:-4}
down=${DOWN:-2}
subnet=10.77.0
port=4440
ns_prefix=psync-nn
out=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/psync-netns.XXXXXX")}
mkdir -p "$out"

if [ "$(id -u)" != 0 ]; then echo "error: needs root (network namespaces)" >&2; exit 2; fi
command -v ip >/dev/null || { echo "error: needs ip (iproute2)" >&2; exit 2; }

cargo build --release -q -p psync-benchmarks --bin psync-consensus --bin kv-replica --bin netns-switch --bin netns-kv-client --bin netns-check
bin=$PWD/target/release

# --- the network --------------------------------------------------------------
# Namespaces 0..n-1 are the replicas, n the clients.
spaces=$((n + 1))
switch_pid=
pids=()            # replica i's current process, or empty while it is down
remove_namespaces() {
  for ns in $(ip netns list | awk '{print $1}' | grep "^$ns_prefix"); do ip netns del "$ns"; done
}
cleanup() {
  set +e
  trap '' INT TERM
  for p in "${pids[@]}" ${client_pid:-}; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done
  [ -n "$switch_pid" ] && kill "$switch_pid" 2>/dev/null
  remove_namespaces
  wait 2>/dev/null
}
# Left over by a run that was killed before its cleanup.
remove_namespaces
trap cleanup EXIT
trap 'exit 130' INT TERM

netem_works() {
  ip netns add "${ns_prefix}probe" || return 1
  local ok=1
  ip -n "${ns_prefix}probe" link add probe0 type veth peer name probe1 &&
    tc -n "${ns_prefix}probe" qdisc add dev probe0 root netem delay 1ms 2>/dev/null && ok=0
  ip netns del "${ns_prefix}probe"
  return $ok
}

net=${NET:-}
if [ -z "$net" ]; then if netem_works; then net=netem; else net=switch; fi; fi

addr() { echo "$subnet.$(($1 + 1))"; }
for i in $(seq 0 $((spaces - 1))); do
  ip netns add "$ns_prefix$i"
  ip -n "$ns_prefix$i" link set lo up
done
case $net in
  netem)
    ip netns add "${ns_prefix}br"
    ip -n "${ns_prefix}br" link add br0 type bridge
    ip -n "${ns_prefix}br" link set br0 up
    for i in $(seq 0 $((spaces - 1))); do
      ip -n "$ns_prefix$i" link add eth0 type veth peer name "port$i" netns "${ns_prefix}br"
      ip -n "${ns_prefix}br" link set "port$i" master br0 up
      ip -n "$ns_prefix$i" addr add "$(addr "$i")/24" dev eth0
      ip -n "$ns_prefix$i" link set eth0 up
      # One-way delay 5 ms ± 4 ms (uniform) and 1 % loss on every packet a namespace sends.
      tc -n "$ns_prefix$i" qdisc add dev eth0 root netem delay 5ms 4ms loss 1%
    done
    link="veth + bridge, netem delay 5ms 4ms loss 1%"
    ;;
  switch)
    "$bin/netns-switch" --devices "$spaces" --prefix pnn --subnet "$subnet" --delay-min-ms 1 --delay-max-ms 9 --loss 0.01 \
      >"$out/switch.log" 2>&1 </dev/null &
    switch_pid=$!
    for _ in $(seq 50); do grep -q '^ready' "$out/switch.log" && break; sleep 0.1; done
    grep -q '^ready' "$out/switch.log" || { echo "error: netns-switch did not start: $(cat "$out/switch.log")" >&2; exit 2; }
    for i in $(seq 0 $((spaces - 1))); do
      ip link set "pnn$i" netns "$ns_prefix$i"
      ip -n "$ns_prefix$i" addr add "$(addr "$i")/24" dev "pnn$i"
      ip -n "$ns_prefix$i" link set "pnn$i" up
    done
    link="TUN + netns-switch (no sch_netem in this kernel), one-way delay uniform 1-9 ms, loss 1%"
    ;;
  *) echo "error: NET=$net: expected netem or switch" >&2; exit 2 ;;
esac

key=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
cfg=$out/cluster.toml
{
  for i in $(seq 0 $((n - 1))); do
    printf '[[replica]]\nid = %d\naddress = "%s"\nport = %d\n\n' "$i" "$(addr "$i")" $((port + i))
  done
  printf '[options]\nprotocol = "udp"\ntimeout_ms = %d\nkey = "%s"\n' "$timeout_ms" "$key"
} >"$cfg"
chmod 600 "$cfg"

# --- replicas, kills and restarts --------------------------------------------
# start I LOG CMD...: replica I's command in its namespace, output appended to LOG.
start() {
  local i=$1 log=$2
  shift 2
  ip netns exec "$ns_prefix$i" "$@" >>"$log" 2>&1 &
  pids[i]=$!
}
now_ms() { date +%s%3N; }
restarts=0
# chaos SECONDS VICTIMS...: until SECONDS have passed, every ~KILL_EVERY s kill
# one of VICTIMS (SIGKILL), leave it down DOWN s, start it again with the
# same command (cmd_of). One replica is down at a time.
chaos() {
  local until=$(($(now_ms) + $1 * 1000))
  shift
  local victims=("$@")
  while [ "$(now_ms)" -lt "$until" ]; do
    sleep "$(awk -v m="$kill_every" -v r="$RANDOM" 'BEGIN { print m / 2 + m * r / 32767 }')"
    [ "$(now_ms)" -lt "$until" ] || break
    local v=${victims[$((RANDOM % ${#victims[@]}))]}
    local p=${pids[v]}
    # A replica that already finished is not restarted.
    kill -0 "$p" 2>/dev/null || continue
    kill -9 "$p" 2>/dev/null || continue
    wait "$p" 2>/dev/null || true
    echo "--- killed at $(now_ms)" >>"${logs[v]}"
    sleep "$down"
    eval "start $v ${logs[v]} ${cmd_of[v]}"
    restarts=$((restarts + 1))
  done
}
declare -a logs cmd_of
rows=()

# consensus_run ALG KILLS INSTANCES: one run of psync-consensus; sets `rate`.
consensus_run() {
  local alg=$1 kills=$2 instances=$3
  local tag=$alg-$([ "$kills" = 1 ] && echo kill || echo calm)
  rm -rf "$out/data-$tag"
  mkdir -p "$out/data-$tag"
  restarts=0
  local t0
  t0=$(now_ms)
  for i in $(seq 0 $((n - 1))); do
    logs[i]=$out/$tag-r$i.log
    : >"${logs[i]}"
    cmd_of[i]="$bin/psync-consensus --config $cfg --id $i --algorithm $alg --instances $instances --in-flight $in_flight --deadline $((secs * 10)) --linger 15 --set data_dir=$out/data-$tag/r$i"
    eval "start $i ${logs[i]} ${cmd_of[i]}"
  done
  if [ "$kills" = 1 ]; then chaos "$secs" $(seq 0 $((n - 1))); fi
  local failed=0
  for i in $(seq 0 $((n - 1))); do wait "${pids[i]}" || failed=$((failed + 1)); pids[i]=; done
  # The last decision of each replica's last incarnation, on the wall clock.
  local done_ms
  done_ms=$(cat "${logs[@]}" | sed -n 's/.* done_unix_ms=\([0-9]*\).*/\1/p' | sort -n | tail -1)
  local check
  check=$("$bin/netns-check" consensus --instances "$instances" "${logs[@]}" 2>&1) && verdict=ok || verdict=FAILED
  echo "$check" >"$out/$tag-check.txt"
  local secs_run
  secs_run=$(awk -v a="$t0" -v b="$done_ms" 'BEGIN { printf "%.1f", (b - a) / 1000 }')
  rate=$(awk -v k="$instances" -v a="$t0" -v b="$done_ms" 'BEGIN { printf "%.0f", k * 1000 / (b - a) }')
  rows+=("| $alg | $([ "$kills" = 1 ] && echo "every ~${kill_every} s, ${down} s down, any replica" || echo none) | $restarts | $instances instances, $in_flight in flight | $secs_run | $rate decisions/s | $failed | agreement, every replica decided every instance: $verdict |")
  echo "$tag: $restarts restarts, $secs_run s, $rate decisions/s, $failed replicas exited non-zero; check: $verdict" >&2
  sed 's/^/    /' "$out/$tag-check.txt" >&2
}

kv_run() {
  restarts=0
  rm -rf "$out/data-kv"
  mkdir -p "$out/data-kv"
  for i in $(seq 0 $((n - 1))); do
    logs[i]=$out/kv-r$i.log
    : >"${logs[i]}"
    cmd_of[i]="$bin/kv-replica --config $cfg --id $i${KV_RESEND_MS:+ --resend-ms $KV_RESEND_MS} --set data_dir=$out/data-kv/r$i"
    eval "start $i ${logs[i]} ${cmd_of[i]}"
  done
  sleep 1
  local addrs
  addrs=$(for i in $(seq 0 $((n - 1))); do printf '%s:%d,' "$(addr "$i")" $((port + i + 1000)); done)
  ip netns exec "$ns_prefix$n" "$bin/netns-kv-client" --replicas "${addrs%,}" --clients "$clients" --keys "$keys" \
    --seconds "$secs" --history "$out/kv-history.txt" >"$out/kv-client.log" 2>&1 &
  client_pid=$!
  # Any replica, the leader included (the others elect a new one).
  chaos $((secs - 3)) $(seq 0 $((n - 1)))
  wait "$client_pid" || true
  client_pid=
  sleep 2
  for i in $(seq 0 $((n - 1))); do kill -INT "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; pids[i]=; done
  local check
  check=$("$bin/netns-check" kv --history "$out/kv-history.txt" "${logs[@]}" 2>&1) && verdict=ok || verdict=FAILED
  echo "$check" >"$out/kv-check.txt"
  local stats
  stats=$(tail -1 "$out/kv-client.log")
  get() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$stats"; }
  rows+=("| KV log${KV_RESEND_MS:+ (resend ${KV_RESEND_MS} ms)} | every ~${kill_every} s, ${down} s down, any replica | $restarts | $clients clients, $keys keys | $(get secs) | $(get answered_per_s) operations/s answered ($(get answered) of $(get operations); p50 $(get latency_ms_p50) ms, p99 $(get latency_ms_p99) ms) | — | linearizable, replicas' logs agree: $verdict |")
  echo "kv: $restarts restarts; $stats; check: $verdict" >&2
  sed 's/^/    /' "$out/kv-check.txt" >&2
}

echo "network: $link; $n replicas, round timeout $timeout_ms ms, UDP, cluster key; outputs in $out" >&2
runs=${RUNS:-otr lv kv}
for alg in otr lv; do
  grep -qw "$alg" <<<"$runs" || continue
  consensus_run "$alg" 0 "$instances"
  # Enough instances to keep the cluster busy for the whole run despite the kills.
  consensus_run "$alg" 1 $((rate * secs))
done
if grep -qw kv <<<"$runs"; then kv_run; fi
[ -n "$switch_pid" ] && echo "netns-switch packets: $(tail -1 "$out/switch.log")" >&2

echo
echo "Network: $link; $n replicas; UDP with a cluster key; round timeout $timeout_ms ms."
echo
echo "| workload | kills | restarts | load | seconds | throughput | replicas exited non-zero | checked |"
echo "|----------|-------|----------|------|---------|------------|--------------------------|---------|"
printf '%s\n' "${rows[@]}"
grep -q FAILED <<<"${rows[*]}" && exit 1 || exit 0
