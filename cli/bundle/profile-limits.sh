#!/usr/bin/env bash
# One device call: where each kernel of the chunked forward stands against the GPU's limits,
# ours and mamba_ssm's Triton kernels side by side, by ncu: duration, DRAM, L2 and SM
# throughput, occupancy (theoretical, what limits it, achieved), issue slots busy, and the
# tensor pipe's bf16 operations (to set against the chip's rate). Codestral shape, bf16,
# batch 1, at each of LENGTHS (default 4096 and 16384).
# Run from the repository root on the GPU host, .bundle and .anchors carried:
#   bash cli/bundle/profile-limits.sh
# Writes limits-<length>-ours.log, limits-<length>-triton.log and metrics.txt to $OUT (or
# reports/out).
set -uo pipefail
cd "$(dirname "$0")/../.."
out="${OUT:-reports/out}"
mkdir -p "$out"
ncu=/usr/local/cuda/bin/ncu
sections="--section SpeedOfLight --section Occupancy --section LaunchStats --section ComputeWorkloadAnalysis"
metrics="sm__ops_path_tensor_src_bf16_dst_fp32.sum,smsp__issue_active.avg.pct_of_peak_sustained_active"
# Whether this ncu knows the two metrics (an unknown one fails the whole run): kept beside the logs.
"$ncu" --query-metrics 2>&1 | grep -E "^(sm__ops_path_tensor_src_bf16_dst_fp32|smsp__issue_active) " > "$out/metrics.txt"
[ "$(wc -l < "$out/metrics.txt")" -eq 2 ] || metrics="lts__t_bytes.sum"
for len in ${LENGTHS:-4096 16384}; do
  # Ours: the first forward's three launches (no autotuning, no caching between calls).
  bash .bundle/run.sh "$ncu" --clock-control none -k 'regex:chunk_' --launch-count 3 $sections --metrics "$metrics" --print-summary per-kernel \
    node node_modules/tsx/dist/cli.mjs reports/bench/gpu.ts --models codestral-7b --lengths "$len" --dtypes bf16 --decode-batches 1 --anchors /none \
    --budget-s 60 --out "$out/limits-bench.json" > "$out/limits-$len-ours.log" 2>&1
  # Triton: its autotuning runs first, unprofiled; then one call between the profiler's start and
  # stop, the inputs made as bench_mamba_ssm.py makes them.
  PYTHONPATH=.anchors "$ncu" --clock-control none --profile-from-start off $sections --metrics "$metrics" --print-summary per-kernel \
    python3 - "$len" > "$out/limits-$len-triton.log" 2>&1 <<'PY'
import math, sys, torch
from mamba_ssm.ops.triton.ssd_combined import mamba_chunk_scan_combined
h, p, g, n, q = 128, 64, 8, 128, 256  # Codestral-7B's mixer
l, dev, bf16 = int(sys.argv[1]), "cuda", torch.bfloat16
x = torch.randn(1, l, h, p, device=dev, dtype=bf16)
dt = torch.randn(1, l, h, device=dev) * 0.5 - 2
A = -torch.exp(torch.rand(h, device=dev) * 2)
B = torch.randn(1, l, g, n, device=dev, dtype=bf16) / math.sqrt(n)
C = torch.randn(1, l, g, n, device=dev, dtype=bf16) / math.sqrt(n)
D = torch.randn(h, device=dev); dt_bias = torch.randn(h, device=dev) * 0.1
f = lambda: mamba_chunk_scan_combined(x, dt, A, B, C, q, D=D, dt_bias=dt_bias, dt_softplus=True)
for _ in range(3): f()
torch.cuda.synchronize()
torch.cuda.cudart().cudaProfilerStart()
f()
torch.cuda.synchronize()
torch.cuda.cudart().cudaProfilerStop()
PY
  grep -E "^  [_a-z].*\(|Duration|Throughput|Occupancy|Block Limit (Registers|Shared)|Registers Per|Issue Slots Busy|Executed Ipc Active|ops_path|issue_active|Grid Size|Waves" \
    "$out/limits-$len-ours.log" "$out/limits-$len-triton.log" | head -200
done
