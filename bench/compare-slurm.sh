#!/usr/bin/env bash
# compare-slurm.sh: Drover vs Slurm side by side on this machine, in one run (= ./drover bench slurm).
# Sets up a loopback Slurm 22.05 with ../shared/bench/slurm/setup.sh for each profile (default: default and
# tunedB; apt-installs slurm-wlm and munge when missing, so run as root), measures it with bench.sh, stops it
# with stop.sh, then runs the same workloads on a standalone Drover (H2, 16 agent processes x 8 simulated GPUs)
# and prints one table with ratios against Slurm's best. Options: ./drover bench slurm --help.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$ROOT/drover" bench slurm "$@"
