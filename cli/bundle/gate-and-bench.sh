#!/usr/bin/env bash
# One device call for a kernel change (a fresh GPU host costs minutes, the session's device
# time is 30): the GPU gate, then, only if it passes, `bench:gpu` with the arguments given.
# Run from the repository root on the GPU host, after `npm run bundle:gpu` here and with
# .bundle (and .anchors, for Triton side by side) carried:
#   SSDCHECK_COMMIT=<sha> bash cli/bundle/gate-and-bench.sh --models codestral-7b --dtypes bf16
# Writes verify.json, gate.log, bench.json and bench.log to $OUT (or reports/out). With
# PROFILE=1, also ncu's per-kernel summary of one Codestral forward at 16k tokens, bf16 or
# PROFILE_DTYPE (profile.log): the chunked kernels' times, occupancy, throughput, instructions,
# stall reasons.
set -uo pipefail
cd "$(dirname "$0")/../.."
out="${OUT:-reports/out}"
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
bash .bundle/run.sh node node_modules/tsx/dist/cli.mjs kernels/gate.ts --out "$out/verify.json" > "$out/gate.log" 2>&1
gate=$?
tail -25 "$out/gate.log"
if [ "$gate" -ne 0 ]; then
  echo "gate-and-bench: the gate failed (exit $gate); no benchmark" >&2
  exit "$gate"
fi
bash .bundle/run.sh node node_modules/tsx/dist/cli.mjs reports/bench/gpu.ts --out "$out/bench.json" "$@" > "$out/bench.log" 2>&1
bench=$?
tail -40 "$out/bench.log"
if [ "${PROFILE:-0}" = 1 ]; then
  ncu=/usr/local/cuda/bin/ncu
  # Where a warp's cycles between issues go (the cycles per issued instruction, by reason),
  # and the bytes L2 served.
  stalls="long_scoreboard short_scoreboard barrier mio_throttle math_pipe_throttle wait lg_throttle not_selected selected no_instruction dispatch_stall"
  bash .bundle/run.sh "$ncu" --clock-control none --target-processes all -k 'regex:chunk_|state_passing' --launch-count 6 \
    --section SpeedOfLight --section Occupancy --section LaunchStats --section InstructionStats --section WarpStateStats \
    --metrics "lts__t_bytes.sum,$(printf 'smsp__average_warps_issue_stalled_%s_per_issue_active.ratio,' $stalls | sed 's/,$//')" --print-summary per-kernel \
    node node_modules/tsx/dist/cli.mjs reports/bench/gpu.ts --models codestral-7b --lengths 16384 --dtypes "${PROFILE_DTYPE:-bf16}" --decode-batches 1 --anchors /none --budget-s 60 --out "$out/profile-bench.json" > "$out/profile.log" 2>&1
  grep -E "chunk_|state_passing|Duration|Throughput|Achieved Occupancy|Registers|Issued Instructions |Issue Slots Busy|Warp Cycles Per Issued|stalled|lts__t_bytes" "$out/profile.log" | head -120
fi
exit "$bench"
