#!/usr/bin/env bash
# `npm run bundle:gpu`: an offline bundle in .bundle/ (ignored) for a Linux x86-64 GPU host
# with no Node, npm or network. The working tree travels beside it; the bundle adds this
# machine's node binary, the installed node_modules (pruned, xz-compressed) and the built CUDA
# addon. The TypeScript runs through tsx there as here, so no compile step is needed.
# On the host, from the repository root:  bash .bundle/run.sh <command...>
#   e.g. bash .bundle/run.sh node cli/ssdcheck.mjs verify --ep webgpu
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d node_modules ] || { echo "bundle:gpu: run npm ci first (node_modules is missing)" >&2; exit 2; }
out=.bundle
rm -rf "$out" && mkdir -p "$out"
xz -T2 -6 -c "$(command -v node)" > "$out/node.xz"
# Not needed to run: the TypeScript compiler, type declarations, other platforms' binaries.
tar -cJf "$out/node_modules.tar.xz" \
  --exclude='node_modules/typescript' --exclude='node_modules/@types' \
  --exclude='node_modules/onnxruntime-node/bin/napi-v6/darwin' \
  --exclude='node_modules/onnxruntime-node/bin/napi-v6/win32' \
  --exclude='node_modules/onnxruntime-node/bin/napi-v6/linux/arm64' \
  --exclude='*.map' --exclude='*.d.ts' --exclude='*.d.mts' --exclude='*.d.cts' \
  node_modules
# The CUDA addon built by npm ci (static cudart: it needs only the host's driver).
if [ -f build/kernels/ssdcheck_kernels.node ]; then
  mkdir -p "$out/addon" && cp build/kernels/ssdcheck_kernels.node "$out/addon/"
else
  echo "bundle:gpu: note: no CUDA addon built (nvcc missing?); --impl cuda will be unavailable there" >&2
fi
cp cli/bundle/run.sh "$out/run.sh"
du -sh "$out"/* | sed 's/^/bundle:gpu: /'
total=$(du -sm "$out" | cut -f1)
echo "bundle:gpu: ${total} MiB in $out"
[ "$total" -lt 60 ] || { echo "bundle:gpu: over 60 MiB" >&2; exit 1; }
