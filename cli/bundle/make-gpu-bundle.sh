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
mkdir -p "$out"
# The two slow parts (xz -9e, minutes) are kept from the last bundle while what they pack is
# unchanged: the node binary, and node_modules as npm ci last wrote it.
if [ ! "$out/node.xz" -nt "$(command -v node)" ]; then
  # Stripped of its symbol table and debug info (12 MB): addons bind through .dynsym, which stays.
  strip -o "$out/node" "$(command -v node)" && xz -T2 -9e -f "$out/node"
fi
# Not needed to run: the TypeScript compiler, type declarations, other platforms' binaries,
# the report renderer (plotly, playwright: reports are drawn here from the JSON that comes
# back), the addon's build headers (node-addon-api: the addon comes built), packages' docs,
# lightningcss (vite imports it only for CSS, which no test has). The working tree and
# the carried paths share a 64 MiB limit on the way to the host.
if [ ! "$out/node_modules.tar.xz" -nt node_modules/.package-lock.json ]; then
  XZ_OPT="-T2 -9e" tar -cJf "$out/node_modules.tar.xz" \
    --exclude='node_modules/typescript' --exclude='node_modules/@types' \
    --exclude='node_modules/plotly.js-dist-min' --exclude='node_modules/playwright-core' \
    --exclude='node_modules/lightningcss*' \
    --exclude='node_modules/onnxruntime-node/bin/napi-v6/darwin' \
    --exclude='node_modules/onnxruntime-node/bin/napi-v6/win32' \
    --exclude='node_modules/onnxruntime-node/bin/napi-v6/linux/arm64' \
    --exclude='node_modules/node-addon-api' \
    --exclude='*.map' --exclude='*.d.ts' --exclude='*.d.mts' --exclude='*.d.cts' --exclude='*.md' \
    node_modules
fi
rm -rf "$out/addon"
# The CUDA addon built by npm ci (static cudart: it needs only the host's driver).
if [ -f build/kernels/ssdcheck_kernels.node ]; then
  # Stripped as node is (95 KB less once compressed: room under the limit for a variant addon).
  mkdir -p "$out/addon" && strip -o "$out/addon/ssdcheck_kernels.node" build/kernels/ssdcheck_kernels.node &&
    xz -9e -f "$out/addon/ssdcheck_kernels.node"
else
  echo "bundle:gpu: note: no CUDA addon built (nvcc missing?); --impl cuda will be unavailable there" >&2
fi
cp cli/bundle/run.sh "$out/run.sh"
du -sh "$out"/* | sed 's/^/bundle:gpu: /'
# The limit is on what travels together: the tracked tree, the bundle and .anchors (when carried
# for Triton), 64 MiB. The device tool counts a little more than the files' bytes: a call whose
# files summed to 66.79 MB went, one at 66.89 MB was refused (2026-11-30), so keep 300 KB spare.
bytes_of() { du -cb "$@" 2>/dev/null | tail -1 | cut -f1; }
tree=$(git ls-files -z | du --files0-from=- -cb | tail -1 | cut -f1)
bundle=$(bytes_of "$out")
anchors=$([ -d .anchors ] && bytes_of .anchors || echo 0)
limit=$(( 64 * 1048576 - 300 * 1024 ))
echo "bundle:gpu: $bundle bytes in $out, $anchors in .anchors, $tree of tracked files beside them"
if [ $((tree + bundle + anchors)) -ge "$limit" ]; then
  echo "bundle:gpu: tree, bundle and .anchors together are $((tree + bundle + anchors)) bytes, over $limit (the device tool's 64 MiB less 300 KB)" >&2
  exit 1
fi
echo "bundle:gpu: $(( (limit - tree - bundle - anchors) / 1024 )) KB to spare with .anchors carried"
