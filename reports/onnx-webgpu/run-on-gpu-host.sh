#!/usr/bin/env bash
# The ONNX run on the GPU host (issue 4): the ONNX properties and the shared fixtures with
# onnxruntime's webgpu provider, the exact message for --ep cuda, the exported graphs loaded by
# Python's onnx checker and onnxruntime, and bench:onnx on cpu and webgpu.
# Run there from the repository root, after `npm run bundle:gpu` here, as
#   bash .bundle/run.sh bash reports/onnx-webgpu/run-on-gpu-host.sh "$OUT"
# with .bundle and .gl carried and SSDCHECK_COMMIT set to the commit sent (.git does not
# travel). Writes at most 8 files into the folder given.
set -uo pipefail
out="${1:?usage: run-on-gpu-host.sh <output folder>}"
mkdir -p "$out"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: ${SSDCHECK_COMMIT:-unknown}"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  echo "node: $(node --version)"
  echo "python: $(python3 -c 'import onnx, onnxruntime; print("onnx", onnx.__version__, "onnxruntime", onnxruntime.__version__)' 2>&1)"
} > "$out/host.txt" 2>&1

SSDCHECK_EP=webgpu timeout 300 node properties/run-tests.mjs properties/onnx- > "$out/onnx-properties-webgpu.log" 2>&1
echo "properties: exit $?" >> "$out/host.txt"

timeout 120 node cli/ssdcheck.mjs verify --ep webgpu --out "$out/verify-webgpu" > /dev/null 2>&1
echo "verify --ep webgpu: exit $?" >> "$out/host.txt"

node cli/ssdcheck.mjs ssd properties/fixtures/ssd/g1-l64-q16.safetensors --impl onnx --ep cuda > "$out/ep-cuda.txt" 2>&1
echo "ssd --ep cuda: exit $?" >> "$out/ep-cuda.txt"

tmp=$(mktemp -d)
for graph in ssd ssd-quadratic prefill step; do
  node cli/ssdcheck.mjs export properties/fixtures/hf-mamba2/tiny-codestral --graph "$graph" --semantics hf --out "$tmp/$graph.onnx" > /dev/null
done
python3 - "$tmp" > "$out/python-load.txt" 2>&1 <<'PY'
import sys, glob, onnx, onnxruntime as ort
for path in sorted(glob.glob(sys.argv[1] + "/*.onnx")):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    print(path.split("/")[-1], "ir", model.ir_version, "opset", model.opset_import[0].version,
          "nodes", len(model.graph.node), "inputs", [i.name for i in session.get_inputs()][:4], "ok")
PY
echo "python load: exit $?" >> "$out/host.txt"

timeout 300 node node_modules/tsx/dist/cli.mjs reports/bench/onnx.ts --ep cpu,webgpu --out "$out/bench-onnx.json" > "$out/bench-onnx.txt" 2>&1
echo "bench:onnx: exit $?" >> "$out/host.txt"
cat "$out/host.txt"
