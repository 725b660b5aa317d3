#!/usr/bin/env bash
# The Ansible deployment (issue #8), tested by running it on this machine: ansible-lint and the
# syntax checks, then site.yml with ansible_connection=local against one Cassandra node (the real
# cassandra role, PasswordAuthenticator), one coordinator on it and two node agents with simulated
# GPUs, all from the packaged distribution, TLS in lab mode, every path under a scratch prefix and
# drover_service_manager=process. Then: both nodes Ready; a job submitted with the distribution's
# CLI over HTTPS with the lab CA succeeds; a second site.yml run changes nothing; a config change on
# one agent restarts that agent only; an agent with another CA is refused ("is not trusted"); the
# rolling upgrade to a second distribution drains each node, brings every node and the coordinator
# back on the new version, and the earlier job's history is still there. Everything started is
# stopped at the end.
#
#   tests/ansible-deploy.sh          (./drover test --ansible builds the distribution and runs it)
#   DROVER_ANSIBLE_TLS=none tests/ansible-deploy.sh     plain HTTP instead of the lab CA
#   DROVER_ANSIBLE_KEEP=1 ...                           keep the scratch directory even on success
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TLS="${DROVER_ANSIBLE_TLS:-lab}"
WORK="$(mktemp -d /tmp/drover-ansible.XXXXXX)"
LOGS="$WORK/logs"
mkdir -p "$LOGS"
STARTED=$SECONDS
passed=0
failed=0
declare -a SUMMARY=()
BAD_AGENT=""

say() { echo "ansible-test: $*"; }
check() {
  local what="$1"; shift
  if "$@"; then passed=$((passed + 1)); say "ok: $what"; SUMMARY+=("ok      $what")
  else failed=$((failed + 1)); say "FAILED: $what"; SUMMARY+=("FAILED  $what"); fi
}
phase_start() { PHASE="$1"; PHASE_T0=$SECONDS; say "--- $1"; }
phase_end() { SUMMARY+=("        ($PHASE: $((SECONDS - PHASE_T0))s)"); }

# ------------------------------------------------------------------------------ stop everything

helper_of() { echo "$WORK/hosts/$1/opt/drover/libexec/drover-service"; }
stop_host() {
  local host="$1" unit
  for unit in "$WORK/hosts/$host/etc/systemd/system/"*.service; do
    [[ -f "$unit" && -x "$(helper_of "$host")" ]] || continue
    /usr/bin/python3 "$(helper_of "$host")" stop "$unit" --run-dir "$WORK/hosts/$host/var/lib/drover/run" \
      --log-dir "$WORK/hosts/$host/var/log/drover" >/dev/null 2>&1
  done
}
leftovers() { pgrep -f -- "$WORK/" 2>/dev/null | grep -vx "$$" || true; }
finish() {
  trap - EXIT INT TERM
  [[ -z "$BAD_AGENT" ]] || { kill -TERM "$BAD_AGENT" 2>/dev/null; wait "$BAD_AGENT" 2>/dev/null; }
  local h
  for h in n1 n2 c1 cass1; do stop_host "$h"; done
  local left
  left="$(leftovers)"
  if [[ -n "$left" ]]; then
    failed=$((failed + 1))
    SUMMARY+=("FAILED  processes left after the stop: $(echo "$left" | tr '\n' ' ')")
    echo "$left" | xargs -r kill -KILL 2>/dev/null
  else
    passed=$((passed + 1))
    SUMMARY+=("ok      no process left after the stop")
  fi
  echo
  say "summary (TLS $TLS, ${SECONDS}s in all; logs in $LOGS):"
  printf '  %s\n' "${SUMMARY[@]}"
  echo "ansible: $passed passed, $failed failed"
  if [[ $failed -eq 0 && -z "${DROVER_ANSIBLE_KEEP:-}" ]]; then
    rm -rf "$WORK"
  else
    say "kept $WORK"
  fi
  [[ $failed -eq 0 ]] && exit 0 || exit 1
}
trap finish EXIT
trap 'say "interrupted"; failed=$((failed + 1)); exit 1' INT TERM

abort() { failed=$((failed + 1)); SUMMARY+=("FAILED  $*"); say "FAILED: $*"; exit 1; }

# ------------------------------------------------------------------------------ prerequisites

for tool in ansible-playbook ansible-lint jq curl openssl; do
  command -v "$tool" >/dev/null 2>&1 || abort "$tool is not installed (apt-get install ansible ansible-lint jq curl openssl)"
done
[[ -x /usr/bin/python3 ]] || abort "/usr/bin/python3 (Ansible's Python) is missing"
VERSION="$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$ROOT/pom.xml" | head -1)"
DIST="$ROOT/dist/target/drover-$VERSION.tar.gz"
[[ -f "$DIST" && -f "$ROOT/dist/target/drover-cassandra-$VERSION.tar.gz" ]] \
  || abort "the distribution is not built: $DIST (./drover dist)"

# ------------------------------------------------------------------------------ lint and syntax

phase_start "lint and syntax"
lint_clean() { (cd "$ROOT/ansible" && ansible-lint --nocolor >"$LOGS/ansible-lint.log" 2>&1); }
check "ansible-lint clean (profile production, ansible/.ansible-lint)" lint_clean
syntax_ok() {
  (cd "$ROOT/ansible" && ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
    ansible-playbook -i inventory/example/hosts.yml --syntax-check site.yml rolling-upgrade.yml >"$LOGS/syntax.log" 2>&1)
}
check "ansible-playbook --syntax-check site.yml rolling-upgrade.yml" syntax_ok
# Every role default is documented with its default in the example inventory and in docs/deploy.md.
undocumented() {
  local f v missing=()
  for f in "$ROOT"/ansible/roles/*/defaults/main.yml; do
    for v in $(sed -n 's/^\(drover_[a-z0-9_]*\):.*/\1/p' "$f"); do
      grep -q "^# $v:" "$ROOT"/ansible/inventory/example/group_vars/*.yml || missing+=("$v (example group_vars)")
      grep -qs "\`$v\`" "$ROOT/docs/deploy.md" || missing+=("$v (docs/deploy.md)")
    done
  done
  [[ ${#missing[@]} -eq 0 ]] || { say "not documented: ${missing[*]}"; return 1; }
}
check "every role variable documented with its default (example group_vars, docs/deploy.md)" undocumented
phase_end

# ------------------------------------------------------------------------------ the process-mode helper

phase_start "the drover-service helper"
HELPER="$ROOT/ansible/roles/common/files/drover-service"
svc() { /usr/bin/python3 "$HELPER" "$1" "$WORK/units/$2.service" --run-dir "$WORK/units/run" --log-dir "$WORK/units/log"; }
helper_semantics() {
  mkdir -p "$WORK/units"
  printf '[Service]\nEnvironment="GREETING=hello there"\nWorkingDirectory=%s\nExecStart=/bin/sh -c '"'"'echo "$GREETING from $PWD"; exec sleep 300'"'"'\n' \
    "$WORK/units" >"$WORK/units/sleeper.service"
  printf '[Service]\nExecStart=/bin/sh -c "echo cannot start; exit 3"\n' >"$WORK/units/broken.service"
  printf '[Service]\nTimeoutStopSec=1\nExecStart=/bin/sh -c "trap \\"\\" TERM; while :; do sleep 0.2; done"\n' >"$WORK/units/stubborn.service"
  printf '[Service]\nType=forking\nExecStart=/bin/true\n' >"$WORK/units/forking.service"
  local out
  out="$(svc start sleeper)" && jq -e '.changed == true' <<<"$out" >/dev/null || { say "start: $out"; return 1; }
  out="$(svc start sleeper)" && jq -e '.changed == false' <<<"$out" >/dev/null || { say "second start: $out"; return 1; }
  grep -q "hello there from $WORK/units" "$WORK/units/log/sleeper.log" || { say "no environment/working directory in the log"; return 1; }
  out="$(svc stop sleeper)" && jq -e '.changed == true' <<<"$out" >/dev/null || { say "stop: $out"; return 1; }
  out="$(svc stop sleeper)" && jq -e '.changed == false' <<<"$out" >/dev/null || { say "second stop: $out"; return 1; }
  out="$(svc start broken)"; [[ $? -eq 1 ]] && jq -e '.failed and (.msg | test("exited with status 3")) and (.msg | test("cannot start"))' <<<"$out" >/dev/null \
    || { say "broken: $out"; return 1; }
  svc start stubborn >/dev/null && out="$(svc stop stubborn)" && jq -e '.msg | test("SIGKILL after 1s")' <<<"$out" >/dev/null \
    || { say "stubborn: $out"; return 1; }
  out="$(svc start forking)"; [[ $? -eq 2 ]] && jq -e '.msg | test("Type=forking is not supported")' <<<"$out" >/dev/null \
    || { say "forking: $out"; return 1; }
}
check "drover-service: starts with the unit's environment, reports changes only when it acts, names failures, escalates to SIGKILL" helper_semantics
phase_end

# ------------------------------------------------------------------------------ the test inventory

declare -A TAKEN=()
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    [[ -z "${TAKEN[$p]:-}" ]] || continue
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    TAKEN[$p]=1
    echo "$p"
    return
  done
}
API=$(free_port); CLUSTER=$(free_port); MGMT=$(free_port); CQL=$(free_port); STORAGE=$(free_port)
if [[ "$(id -u)" -eq 0 ]]; then INSTALL_JAVA=true; else INSTALL_JAVA=false; fi
INV="$WORK/inventory"
mkdir -p "$INV" "$WORK/ansible/tmp" "$WORK/ansible/remote" "$WORK/ansible/home"
write_inventory() {
  local n1_labels="${1:-{\}}"
  cat >"$INV/hosts.yml" <<EOF
all:
  vars:
    ansible_connection: local
    ansible_host: 127.0.0.1
    ansible_python_interpreter: /usr/bin/python3
    drover_version: "$VERSION"
    drover_dist_dir: "$ROOT/dist/target"
    drover_service_manager: process
    drover_manage_user: false
    drover_user: "$(id -un)"
    drover_group: "$(id -gn)"
    # apt runs for one host (they are all this machine): see cass1
    drover_install_java: false
    drover_tls_mode: $TLS
    drover_tls_control_dir: "$WORK/tls"
    drover_coordinator_port: $API
    drover_coordinator_cluster_port: $CLUSTER
    drover_coordinator_management_port: $MGMT
    drover_cassandra_cql_port: $CQL
  children:
    cassandra:
      hosts:
        cass1:
          drover_prefix: "$WORK/hosts/cass1"
          drover_install_java: $INSTALL_JAVA
          drover_cassandra_storage_port: $STORAGE
          drover_cassandra_heap: 256m
          drover_cassandra_authenticator: PasswordAuthenticator
          drover_cassandra_jvm_opts: "-Dcassandra.superuser_setup_delay_ms=0"
    coordinators:
      hosts:
        c1:
          drover_prefix: "$WORK/hosts/c1"
          drover_coordinator_interface: 127.0.0.1
          drover_coordinator_heap: 512m
          drover_cassandra_username: cassandra
          drover_cassandra_password: cassandra
          # metrics off: Kamon adds seconds to every start on this small machine
          drover_coordinator_settings: {"drover.metrics.enabled": "off"}
    gpu_nodes:
      vars:
        drover_agent_simulate_gpus: 4
        drover_agent_heap: 256m
      hosts:
        n1:
          drover_prefix: "$WORK/hosts/n1"
          drover_agent_rack: r1
          drover_agent_labels: $n1_labels
        n2:
          drover_prefix: "$WORK/hosts/n2"
          drover_agent_rack: r2
          drover_agent_port_range: "30500-30999"
    clients:
      hosts:
        ops1:
          drover_prefix: "$WORK/hosts/ops1"
EOF
}
write_inventory
cat >"$WORK/ansible.cfg" <<EOF
[defaults]
roles_path = $ROOT/ansible/roles
interpreter_python = /usr/bin/python3
local_tmp = $WORK/ansible/tmp
remote_tmp = $WORK/ansible/remote
forks = 10
retry_files_enabled = false
nocows = true
# per-task times in the logs
callbacks_enabled = ansible.posix.profile_tasks
# facts are gathered once per host and reused by the later runs
gathering = smart
fact_caching = jsonfile
fact_caching_connection = $WORK/ansible/facts
[connection]
pipelining = true
EOF
export ANSIBLE_CONFIG="$WORK/ansible.cfg" ANSIBLE_HOME="$WORK/ansible/home" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0

playbook() {
  local log="$1"; shift
  (cd "$ROOT/ansible" && ansible-playbook -i "$INV/hosts.yml" "$@") >"$LOGS/$log" 2>&1
}
# host -> changed count from the PLAY RECAP of a log
recap_changed() { sed -n "s/^$2 *: ok=[0-9]* *changed=\([0-9]*\).*/\1/p" "$LOGS/$1" | tail -1; }
recap_line() { grep -E "^[a-z0-9]+ +: ok=" "$LOGS/$1" | sed 's/  */ /g' | tr '\n' ';'; }

CLI="$WORK/hosts/c1/opt/drover/current/bin/drover"
export DROVER_CONFIG="$WORK/hosts/c1/etc/drover/cli.conf"
drover() { "$CLI" "$@"; }
node_field() { drover nodes -o json 2>/dev/null | jq -r --arg n "$1" ".items[] | select(.name == \$n) | .$2"; }
pid_of() { head -1 "$WORK/hosts/$1/var/lib/drover/run/$2.pid" 2>/dev/null | cut -d' ' -f1; }

# ------------------------------------------------------------------------------ site.yml, first run

phase_start "site.yml, first run"
SCHEME=https; CURL_CA=(--cacert "$WORK/tls/ca.pem")
if [[ "$TLS" == none ]]; then SCHEME=http; CURL_CA=(); fi
playbook site-1.log site.yml || abort "site.yml failed (first run): $(grep -E 'fatal:|FAILED!|ERROR!' "$LOGS/site-1.log" | head -3 | cut -c1-400); log $LOGS/site-1.log"
SUMMARY+=("        first run recap: $(recap_line site-1.log)")
phase_end

phase_start "the deployed cluster"
both_ready() {
  local i
  for i in $(seq 1 60); do
    [[ "$(node_field n1 status)" == Ready && "$(node_field n2 status)" == Ready ]] && return 0
    sleep 1
  done
  return 1
}
check "both nodes Ready through the deployed coordinator" both_ready
api_is_tls() {
  grep -q "^url=$SCHEME://127.0.0.1:$API\$" "$DROVER_CONFIG" || return 1
  [[ "$TLS" == none ]] && return 0
  # the API answers HTTPS with a certificate from the lab CA, and nothing on plain HTTP
  curl -sf --cacert "$WORK/tls/ca.pem" "https://127.0.0.1:$API/healthz" >/dev/null \
    && ! curl -sf "http://127.0.0.1:$API/healthz" >/dev/null 2>&1
}
check "the API is served over $SCHEME with the lab CA (CLI config $SCHEME://127.0.0.1:$API)" api_is_tls
labels_ok() { [[ "$(node_field n1 'labels.rack')" == r1 && "$(node_field n2 'labels.rack')" == r2 ]]; }
check "rack labels from the inventory (n1 r1, n2 r2)" labels_ok
JOB=""
job_succeeds() {
  JOB="$(drover submit -f "$ROOT/examples/hello.yaml" -o json 2>"$LOGS/submit.err" | jq -r .id)"
  [[ "$JOB" == j-* ]] || { say "submit: $(cat "$LOGS/submit.err")"; return 1; }
  local i state
  for i in $(seq 1 90); do
    state="$(drover describe "$JOB" -o json 2>/dev/null | jq -r .state)"
    case "$state" in
      SUCCEEDED) return 0 ;;
      FAILED|CANCELLED) say "job $JOB ended $state"; return 1 ;;
    esac
    sleep 1
  done
  say "job $JOB still $state after 90s"
  return 1
}
check "a job submitted with the distribution's CLI over $SCHEME succeeds" job_succeeds
cli_host_works() {
  # the cli role's config (URL, CA) on the clients host, with a token given on the command line
  DROVER_CONFIG="$WORK/hosts/ops1/etc/drover/cli.conf" "$WORK/hosts/ops1/opt/drover/current/bin/drover" \
    --token "$(sed -n 's/^token=//p' "$DROVER_CONFIG")" nodes 2>&1 | grep -c ' Ready ' | grep -qx 2
}
check "the clients host's CLI (cli role: URL and CA) lists both nodes" cli_host_works
phase_end

# ------------------------------------------------------------------------------ idempotence

phase_start "site.yml, second run"
idempotent() {
  playbook site-2.log site.yml || { say "site.yml failed (second run), log $LOGS/site-2.log"; return 1; }
  local h c ok=0
  for h in cass1 c1 n1 n2 ops1; do
    c="$(recap_changed site-2.log "$h")"
    [[ "$c" == 0 ]] || { say "$h: changed=${c:-?} on the second run"; ok=1; }
  done
  [[ $ok -eq 0 ]] || grep -B3 -E '^changed:' "$LOGS/site-2.log" | grep -E '^(TASK|RUNNING|changed)' | head -20
  return $ok
}
check "second site.yml run: changed=0 for every host" idempotent
SUMMARY+=("        second run recap: $(recap_line site-2.log)")
if ! command -v nvidia-smi >/dev/null 2>&1; then
  no_driver_refused() {
    # n2 as a real GPU node: this machine has no NVIDIA driver, so the role must stop with its message
    if playbook site-nodriver.log site.yml --limit n2 -e drover_agent_simulate_gpus=0; then
      say "site.yml succeeded without a driver"; return 1
    fi
    grep -q "n2: nvidia-smi is not installed.*install the NVIDIA driver on this GPU node, or set drover_agent_simulate_gpus" \
      <(tr -d '\n' <"$LOGS/site-nodriver.log" | sed 's/  */ /g') || { say "message: $(grep -m1 -A2 'fatal:' "$LOGS/site-nodriver.log")"; return 1; }
    [[ "$(recap_changed site-nodriver.log n2)" == 0 && "$(node_field n2 status)" == Ready ]]
  }
  check "a GPU node without nvidia-smi fails with the driver message, changing nothing" no_driver_refused
fi
phase_end

phase_start "a change on one agent"
only_n1_restarts() {
  local before_n1 before_n2 before_c1 before_cass
  before_n1="$(pid_of n1 drover-agent)"; before_n2="$(pid_of n2 drover-agent)"
  before_c1="$(pid_of c1 drover-coordinator)"; before_cass="$(pid_of cass1 drover-cassandra)"
  write_inventory '{pool: a}'
  # the GPU nodes' play only: the other plays have nothing that reads an agent's labels
  playbook site-3.log site.yml --limit gpu_nodes || { say "site.yml failed (label change), log $LOGS/site-3.log"; return 1; }
  write_inventory
  [[ "$(recap_changed site-3.log n1)" -gt 0 && "$(recap_changed site-3.log n2)" == 0 ]] \
    || { say "recap: $(recap_line site-3.log)"; return 1; }
  [[ -n "$before_n1" && "$(pid_of n1 drover-agent)" != "$before_n1" ]] || { say "n1's agent was not restarted"; return 1; }
  [[ "$(pid_of n2 drover-agent)" == "$before_n2" && "$(pid_of c1 drover-coordinator)" == "$before_c1" \
     && "$(pid_of cass1 drover-cassandra)" == "$before_cass" ]] || { say "another service was restarted"; return 1; }
  [[ "$(node_field n1 'labels.pool')" == a ]] || { say "n1 has no label pool=a"; return 1; }
}
check "a label added to n1 restarts n1's agent only (the others keep their pids)" only_n1_restarts
phase_end

# ------------------------------------------------------------------------------ a wrong CA

if [[ "$TLS" != none ]]; then
  phase_start "an agent with another CA"
  wrong_ca_refused() {
    local other="$WORK/other-ca" i
    mkdir -p "$other"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=Another CA" \
      -keyout "$other/ca.key" -out "$other/ca.pem" >/dev/null 2>&1 || return 1
    "$WORK/hosts/c1/opt/drover/current/bin/drover-agent" --name bad-ca --simulate-gpus 1 \
      --coordinator "https://127.0.0.1:$API" --join-token-file "$WORK/hosts/c1/etc/drover/join-token" \
      --ca-cert "$other/ca.pem" --work-dir "$WORK/bad-agent" --address 127.0.0.1 --port-range 31000-31099 \
      >"$LOGS/bad-agent.log" 2>&1 &
    BAD_AGENT=$!
    for i in $(seq 1 40); do
      grep -q "is not trusted" "$LOGS/bad-agent.log" "$WORK/bad-agent/agent.log" 2>/dev/null && break
      sleep 0.5
    done
    grep -h -m1 "is not trusted" "$LOGS/bad-agent.log" "$WORK/bad-agent/agent.log" 2>/dev/null | cut -c1-300
    grep -q "is not trusted" "$LOGS/bad-agent.log" "$WORK/bad-agent/agent.log" 2>/dev/null || return 1
    [[ -z "$(node_field bad-ca status)" ]] || { say "bad-ca registered anyway"; return 1; }
    kill -TERM "$BAD_AGENT" 2>/dev/null; wait "$BAD_AGENT" 2>/dev/null; BAD_AGENT=""
  }
  check "an agent given another CA is refused with 'is not trusted' and never registers" wrong_ca_refused
  phase_end
fi

# ------------------------------------------------------------------------------ rolling upgrade

phase_start "rolling upgrade"
NEW_VERSION="$VERSION-upgrade"
make_second_dist() {
  local d="$WORK/dist2"
  mkdir -p "$d" && tar -xzf "$DIST" -C "$d" && mv "$d/drover-$VERSION" "$d/drover-$NEW_VERSION" \
    && echo "$NEW_VERSION" >"$d/drover-$NEW_VERSION/VERSION" \
    && tar -C "$d" -cf - "drover-$NEW_VERSION" | gzip -1 >"$d/drover-$NEW_VERSION.tar.gz" && rm -rf "${d:?}/drover-$NEW_VERSION"
}
check "a second distribution ($NEW_VERSION, the same build repacked)" make_second_dist
LONG=""
long_job_runs() {
  LONG="$(printf '%s\n' 'apiVersion: drover/v1' 'name: long' 'replicas: 1' \
    'resources: {gpus: 1, cpus: 1, memory: 128Mi}' 'command: [/bin/sh, -c, "sleep 600"]' \
    | drover submit -f - -o json 2>>"$LOGS/submit.err" | jq -r .id)"
  local i
  for i in $(seq 1 60); do
    [[ "$(drover describe "$LONG" -o json 2>/dev/null | jq -r .state)" == RUNNING ]] && return 0
    sleep 1
  done
  return 1
}
check "a long job runs before the upgrade (the drain must move it)" long_job_runs
upgrade_runs() {
  playbook upgrade.log rolling-upgrade.yml -e "drover_version=$NEW_VERSION" -e "drover_dist_dir=$WORK/dist2" \
    || { say "rolling-upgrade.yml failed: $(grep -E 'fatal:|FAILED!|ERROR!' "$LOGS/upgrade.log" | head -3 | cut -c1-400)"; return 1; }
}
check "rolling-upgrade.yml runs (gpu_nodes serial 1, then coordinators serial 1)" upgrade_runs
SUMMARY+=("        upgrade recap: $(recap_line upgrade.log)")
serial_order() {
  # one host per batch, the agents first: the order of the drain tasks and the coordinator's stop
  local order
  order="$(grep -E '^(TASK \[node_agent : Drain \| Drain|TASK \[common : Service \| Bring the unit to its state with the helper, drover-coordinator stopped)|^(changed|ok): \[' "$LOGS/upgrade.log" \
    | grep -A1 '^TASK' | grep -oE '^\S+: \[[a-z0-9]+\]' | grep -oE '\[[a-z0-9]+\]' | tr -d '[]' | tr '\n' ' ')"
  say "drain / stop order: $order"
  [[ "$order" == "n1 n2 c1 " ]]
}
check "nodes drained one at a time (n1, then n2), then the coordinator" serial_order
new_versions() {
  local i
  for i in $(seq 1 60); do
    [[ "$(node_field n1 status)/$(node_field n1 agentVersion)" == "Ready/$NEW_VERSION" \
       && "$(node_field n2 status)/$(node_field n2 agentVersion)" == "Ready/$NEW_VERSION" ]] && break
    sleep 1
  done
  local health
  health="$(curl -sf "${CURL_CA[@]}" "$SCHEME://127.0.0.1:$API/healthz")"
  say "n1 $(node_field n1 status) $(node_field n1 agentVersion), n2 $(node_field n2 status) $(node_field n2 agentVersion), coordinator $health"
  [[ "$(node_field n1 status)/$(node_field n1 agentVersion)" == "Ready/$NEW_VERSION" \
     && "$(node_field n2 status)/$(node_field n2 agentVersion)" == "Ready/$NEW_VERSION" \
     && "$(jq -r .version <<<"$health")" == "$NEW_VERSION" ]] || return 1
  # the processes run from the new release's directory
  tr '\0' ' ' <"/proc/$(pid_of c1 drover-coordinator)/cmdline" | grep -q "drover-$NEW_VERSION/lib" \
    && tr '\0' ' ' <"/proc/$(pid_of n1 drover-agent)/cmdline" | grep -q "drover-$NEW_VERSION/lib"
}
check "every node Ready and the coordinator up, on $NEW_VERSION" new_versions
uncordoned() { [[ "$(node_field n1 schedulable)" == true && "$(node_field n2 schedulable)" == true ]]; }
check "both nodes uncordoned after the upgrade" uncordoned
history_kept() {
  local v
  v="$(drover describe "$JOB" -o json 2>/dev/null)"
  [[ "$(jq -r .state <<<"$v")" == SUCCEEDED ]] || return 1
  drover describe "$JOB" 2>/dev/null | grep -q JobSucceeded
}
check "the earlier job is still SUCCEEDED with its history" history_kept
drained_and_back() {
  local i state events
  for i in $(seq 1 60); do
    state="$(drover describe "$LONG" -o json 2>/dev/null | jq -r .state)"
    [[ "$state" == RUNNING ]] && break
    sleep 1
  done
  events="$(curl -sf "${CURL_CA[@]}" -H "Authorization: Bearer $(sed -n 's/^token=//p' "$DROVER_CONFIG")" \
    "$SCHEME://127.0.0.1:$API/api/v1/jobs/$LONG/events" | jq -r '.events[].type' | grep -c JobRequeued)"
  say "long job $LONG: $state, requeued ${events}x by the drains"
  [[ "$state" == RUNNING && "$events" -ge 1 ]]
}
check "the long job was requeued by the drain and runs again" drained_and_back
phase_end
