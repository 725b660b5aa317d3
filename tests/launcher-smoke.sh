#!/usr/bin/env bash
# The README's two-command promise, tested through the real launcher: `./drover up` in a fresh
# HOME, the CLI with no flags, Ctrl-C (SIGINT to the foreground process group) stops both
# processes, and a second `up` finds the earlier job; then `./drover cassandra` start, status and
# stop on non-default ports. Run by `./drover test` after the Maven tests.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d /tmp/drover-smoke.XXXXXX)"
export HOME="$WORK/home"
mkdir -p "$HOME"
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 10000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  echo 18787
}
PORT="$(free_port)"
passed=0
failed=0
UP_PID=""

check() {
  local what="$1"; shift
  if "$@"; then passed=$((passed + 1)); echo "ok: $what"; else failed=$((failed + 1)); echo "FAILED: $what"; fi
}

start_up() {
  local extra=("$@")
  # Its own session and process group, as a terminal's foreground job would be. A background job
  # of a script starts with SIGINT ignored, which no trap can undo; perl (essential on Debian)
  # restores the default disposition first, as an interactive shell would.
  perl -e '$SIG{INT} = "DEFAULT"; $SIG{QUIT} = "DEFAULT"; exec @ARGV or die "exec: $!"' \
    setsid "$ROOT/drover" up --port "$PORT" --data-dir "$WORK/data" --simulate-gpus 4 "${extra[@]}" >>"$WORK/up.log" 2>&1 &
  UP_PID=$!
  local deadline=$((SECONDS + 300))
  while [[ $SECONDS -lt $deadline ]]; do
    if [[ -f "$HOME/.drover/config" ]] && "$ROOT/drover" nodes 2>/dev/null | grep -q " Ready "; then return 0; fi
    kill -0 "$UP_PID" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}

ctrl_c() {
  kill -INT -- "-$UP_PID" 2>/dev/null
  for _ in $(seq 1 60); do
    kill -0 "$UP_PID" 2>/dev/null || break
    sleep 0.5
  done
  ! kill -0 "$UP_PID" 2>/dev/null
}

no_drover_processes() {
  ! pgrep -f -- "--data-dir $WORK/data" >/dev/null && ! pgrep -f -- "$WORK/data/agent" >/dev/null
}

gpu_unhealthy() {
  local node
  node="$("$ROOT/drover" nodes | awk 'NR == 2 { print $1 }')"
  for _ in $(seq 1 40); do
    "$ROOT/drover" describe-node "$node" 2>/dev/null | grep -q "GPU 1  Unhealthy since .*XID 79" && return 0
    sleep 0.5
  done
  "$ROOT/drover" describe-node "$node" >&2
  return 1
}

job_succeeds() {
  for _ in $(seq 1 120); do
    "$ROOT/drover" describe "$JOB" 2>/dev/null | grep -q "^State: *SUCCEEDED" && return 0
    sleep 0.5
  done
  return 1
}

cassandra_starts() {
  local out
  out="$("$ROOT/drover" cassandra start --dir "$WORK/cassandra" --cql-port "$CQL_PORT" --storage-port "$STORAGE_PORT" 2>>"$WORK/cassandra.log")" \
    && [[ "$out" == "127.0.0.1:$CQL_PORT" ]]
}

cassandra_status_is() {
  local want_code="$1" want_state="$2" out code=0
  out="$("$ROOT/drover" cassandra status --dir "$WORK/cassandra" 2>&1)" || code=$?
  [[ $code -eq $want_code ]] && grep -qx "state: $want_state" <<<"$out"
}

no_cassandra_process() {
  ! pgrep -f -- "-Dcassandra.storagedir=$WORK/cassandra/data" >/dev/null
}

cleanup() {
  [[ -d "$WORK/cassandra" ]] && "$ROOT/cassandra/drover-cassandra" kill --dir "$WORK/cassandra" 2>/dev/null
  [[ -d "$WORK/cluster/cassandra" ]] && "$ROOT/cassandra/drover-cassandra" kill --dir "$WORK/cluster/cassandra" 2>/dev/null
  [[ -n "$UP_PID" ]] && kill -TERM -- "-$UP_PID" 2>/dev/null
  pkill -KILL -f -- "$WORK/data" 2>/dev/null
  if [[ $failed -gt 0 ]]; then
    echo "--- up.log"; tail -40 "$WORK/up.log"
    [[ -f "$WORK/cassandra.log" ]] && { echo "--- cassandra.log"; tail -40 "$WORK/cassandra.log"; }
  fi
  [[ -n "${DROVER_SMOKE_KEEP:-}" ]] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

check "drover up starts a coordinator and a Ready local agent" start_up
JOB="$("$ROOT/drover" submit -f "$ROOT/examples/hello.yaml" 2>&1 | grep -o 'j-[0-9a-f]\{16\}' | head -1)"
check "the CLI submits examples/hello.yaml with no flags" test -n "$JOB"
check "the gang runs to SUCCEEDED" job_succeeds
check "logs show each rank on its own GPU" bash -c "
  a=\$('$ROOT/drover' logs '$JOB' -r 0 | grep -o 'CUDA_VISIBLE_DEVICES=[0-9]*'); b=\$('$ROOT/drover' logs '$JOB' -r 1 | grep -o 'CUDA_VISIBLE_DEVICES=[0-9]*');
  [[ -n \"\$a\" && -n \"\$b\" && \"\$a\" != \"\$b\" ]]"
check "Ctrl-C stops drover up" ctrl_c
check "no coordinator or agent is left running" no_drover_processes
check "a second drover up starts again (with fault injection)" start_up --fault-injection
check "the earlier job is still there" bash -c "'$ROOT/drover' jobs | grep -q '$JOB.*SUCCEEDED'"
check "drover agent inject puts XID 79 on GPU 1" "$ROOT/drover" agent inject --work-dir "$WORK/data/agent" --gpu 1 --xid 79
check "describe-node shows GPU 1 Unhealthy because of XID 79" gpu_unhealthy
check "Ctrl-C stops it again" ctrl_c

CQL_PORT="$(free_port)"
STORAGE_PORT="$(free_port)"
while [[ "$STORAGE_PORT" == "$CQL_PORT" || "$STORAGE_PORT" == "$PORT" ]]; do STORAGE_PORT="$(free_port)"; done
check "drover cassandra start answers CQL on a non-default port" cassandra_starts
check "drover cassandra status says running" cassandra_status_is 0 running
check "a second start finds it running" cassandra_starts
check "drover cassandra stop stops it" "$ROOT/drover" cassandra stop --dir "$WORK/cassandra"
check "drover cassandra status says stopped" cassandra_status_is 3 stopped
check "no Cassandra process is left" no_cassandra_process
# The local coordinator cluster: two coordinators on the launcher's Cassandra, one command.
PORT="$(free_port)"
CLUSTER_PORT="$(free_port)"
MGMT_PORT="$(free_port)"
CQL_PORT="$(free_port)"
rm -f "$HOME/.drover/config"
cluster_up() {
  start_up --coordinators 2 --cassandra --cassandra-port "$CQL_PORT" --cluster-port "$CLUSTER_PORT" \
    --management-port "$MGMT_PORT" --data-dir "$WORK/cluster"
}
check "drover up --coordinators 2 --cassandra starts a cluster with a Ready agent" cluster_up
check "both coordinators are Up members" bash -c "
  curl -s http://127.0.0.1:$MGMT_PORT/cluster/members | grep -o '\"status\":\"Up\"' | wc -l | grep -qx 2"
JOB="$("$ROOT/drover" submit -f "$ROOT/examples/hello.yaml" 2>&1 | grep -o 'j-[0-9a-f]\{16\}' | head -1)"
check "a job submitted to the cluster runs to SUCCEEDED" job_succeeds
check "Ctrl-C stops the cluster" ctrl_c
# A function, not bash -c: pgrep must not find the checking shell's own command line.
no_cluster_processes() {
  ! pgrep -f -- "--data-dir $WORK/cluster" >/dev/null && ! pgrep -f -- "-Dcassandra.storagedir=$WORK/cluster/cassandra/data" >/dev/null
}
check "no coordinator, agent or Cassandra of it is left" no_cluster_processes
echo "launcher: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
