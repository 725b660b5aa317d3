#!/usr/bin/env bash
# The real-GPU proof of the NVML backend (docs/gpu-proof.md), in two steps:
#
#   tests/gpu-proof.sh prepare   on a build machine: the agent's jar and a jlinked Java runtime
#                                into .gpu-proof/ (in .gitignore, so it never lands in a commit
#                                and the device tool can carry it); the GPU machine has no Java.
#   tests/gpu-proof.sh run       on the GPU machine, from the repository root with .gpu-proof/:
#                                the agent's probe with the real libnvidia-ml.so.1 (inventory,
#                                topology, telemetry, health), then one PyTorch job run through the
#                                agent's own process runner on GPU 0 while NVML is sampled. Writes
#                                probe.json, run.json, nvidia-smi.txt, topo.txt and summary.txt to
#                                $OUT (default .gpu-proof/out) and prints the summary.
#
# Read-only on the card: the agent never changes clocks, power limits, modes or anything else.
# PROOF_SECONDS (default 20) sets how long the PyTorch job keeps the GPU busy; PROOF_LIBRARY
# points the probe at another NVML library (the tests' fake, to try this script without a GPU).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$ROOT/.gpu-proof"

die() { echo "gpu-proof: $*" >&2; exit 1; }

prepare() {
  command -v jlink >/dev/null || die "jlink not found: a JDK 17 is needed to prepare"
  (cd "$ROOT" && mvn -q -B -ntp install -DskipTests -pl node-agent -am) || die "building the agent failed"
  rm -rf "$DIR/jre" && mkdir -p "$DIR"
  cp "$ROOT/node-agent/target/drover-node-agent.jar" "$DIR/agent.jar"
  # What the agent uses (jdeps also names java.desktop, for JNA's optional AWT helpers, which the
  # agent never calls: leaving it out keeps the runtime small enough to carry).
  local modules="java.base,java.logging,java.xml,java.naming,java.management,java.net.http,java.sql,jdk.httpserver,jdk.unsupported"
  jlink --add-modules "$modules" --compress=2 --strip-debug --no-header-files --no-man-pages --output "$DIR/jre"
  echo "gpu-proof: prepared $(du -sh "$DIR" | cut -f1) in $DIR (modules: $modules)"
}

run() {
  local java="$DIR/jre/bin/java" out="${OUT:-$DIR/out}" seconds="${PROOF_SECONDS:-20}"
  [[ -x "$java" && -f "$DIR/agent.jar" ]] || die "run 'tests/gpu-proof.sh prepare' first (no $DIR/jre or agent.jar)"
  mkdir -p "$out"
  local lib=(--no-simulate-fallback)
  [[ -n "${PROOF_LIBRARY:-}" ]] && lib+=(--nvml-library "$PROOF_LIBRARY")
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi -q > "$out/nvidia-smi.txt" 2>&1 || true
    nvidia-smi topo -m > "$out/topo.txt" 2>&1 || true
  fi
  local work
  work="$(mktemp -d)"
  "$java" -jar "$DIR/agent.jar" --name gpu-proof --work-dir "$work" --probe "${lib[@]}" > "$out/probe.json"
  local job=(python3 -c "
import time, torch
assert torch.cuda.is_available(), 'CUDA is not available to the job'
d = torch.device('cuda:0')
a = torch.randn(8192, 8192, device=d); b = torch.randn(8192, 8192, device=d)
end = time.time() + $seconds; n = 0
while time.time() < end:
    c = a @ b; n += 1
    if n % 50 == 0: torch.cuda.synchronize()
torch.cuda.synchronize()
print('matmuls', n, 'on', torch.cuda.get_device_name(0), 'visible', __import__('os').environ.get('CUDA_VISIBLE_DEVICES'))
")
  [[ -n "${PROOF_COMMAND:-}" ]] && job=(sh -c "$PROOF_COMMAND")
  "$java" -jar "$DIR/agent.jar" --name gpu-proof --work-dir "$work" --probe "${lib[@]}" --run -- "${job[@]}" > "$out/run.json"
  rm -rf "$work"
  python3 - "$out" <<'PY' | tee "$out/summary.txt"
import json, sys
out = sys.argv[1]
probe = json.load(open(out + "/probe.json"))
run = json.load(open(out + "/run.json"))
print("backend:", probe.get("backend"), "driver:", probe.get("driverVersion"))
for g in probe.get("gpus", []):
    print("GPU %s %s %s serial=%s mig=%s bus=%s domain=%s" % (g.get("index"), g.get("uuid"), g.get("name"), g.get("serial"),
          g.get("migMode"), g.get("pciBusId"), g.get("topologyDomain")))
health = probe.get("health") or {}
for g in health.get("gpus", []):
    print("health GPU %s: %s %s" % (g.get("index"), g.get("status"), [c.get("reason") for c in g.get("conditions", [])]))
print("node conditions:", health.get("node", []))
samples = [s["gpus"][0] for s in run.get("telemetry", []) if s.get("gpus")]
if samples:
    util = [s["utilizationPercent"] for s in samples]
    power = [s["powerWatts"] for s in samples]
    print("job: exit %s (%s) in %.1f s" % (run.get("exitCode"), run.get("termination"), run.get("runtimeMillis", 0) / 1000))
    print("GPU 0 utilization %%: first %s, max %s; power W: first %.0f, max %.0f; %d samples" % (
          util[0], max(util), power[0], max(power), len(samples)))
print("job log tail:", (run.get("logTail") or "").strip()[-300:])
PY
}

case "${1:-}" in
  prepare) prepare ;;
  run) run ;;
  *) die "usage: tests/gpu-proof.sh prepare|run (see the header of this script)" ;;
esac
