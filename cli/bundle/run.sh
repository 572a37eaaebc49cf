#!/usr/bin/env bash
# Runs a command with the bundle's node and node_modules, on a host without them.
# Unpacks once; sets up the Vulkan loader for onnxruntime's webgpu provider when .gl/ (Debian
# libvulkan1 .deb files) travelled with the tree.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bundle="$root/.bundle"
if [ ! -x "$bundle/bin/node" ]; then
  mkdir -p "$bundle/bin"
  xz -dc "$bundle/node.xz" > "$bundle/bin/node" && chmod +x "$bundle/bin/node"
fi
[ -d "$root/node_modules" ] || tar -xJf "$bundle/node_modules.tar.xz" -C "$root"
if [ -f "$bundle/addon/ssdcheck_kernels.node.xz" ]; then
  mkdir -p "$root/build/kernels" && xz -dc "$bundle/addon/ssdcheck_kernels.node.xz" > "$root/build/kernels/ssdcheck_kernels.node"
fi
# NVIDIA's Vulkan driver (libGLX_nvidia) needs glvnd beside the loader: unpack them all.
if ls "$root"/.gl/*.deb >/dev/null 2>&1; then
  for deb in "$root"/.gl/*.deb; do dpkg -x "$deb" /; done
  ldconfig
fi
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES="${VK_DRIVER_FILES:-$icd}"
export PATH="$bundle/bin:$PATH"
cd "$root"
exec "$@"
