#!/usr/bin/env node
// Builds the CUDA addon (build/kernels/ssdcheck_kernels.node): nvcc for kernels/src/*.cu, g++
// for the node-addon-api binding, cudart linked statically so the addon runs on a host with
// only a driver. Run by `npm ci` (the package's install script) and `npm run build:kernels`.
// Without nvcc it builds nothing and says so: `--impl cuda` then reports the addon missing.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'kernels');
const cuda = process.env.CUDA_HOME ?? '/usr/local/cuda';
const nvcc = [join(cuda, 'bin', 'nvcc'), 'nvcc'].find((candidate) => {
  try {
    execFileSync(candidate, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
if (!nvcc) {
  console.log(`kernels: nvcc not found (looked in ${cuda}/bin and PATH); the CUDA addon is not built`);
  process.exit(0);
}
const nodeHeaders = ['/usr/include/node', join(dirname(process.execPath), '..', 'include', 'node')].find((d) => existsSync(join(d, 'node_api.h')));
if (!nodeHeaders) {
  console.error('kernels: node_api.h not found (install Node.js headers); the CUDA addon is not built');
  process.exit(1);
}
mkdirSync(out, { recursive: true });

// Hopper (H200): sm_90a machine code, plus compute_90 PTX for newer GPUs to JIT.
const GENCODE = ['-gencode', 'arch=compute_90a,code=sm_90a', '-gencode', 'arch=compute_90,code=compute_90'];
const run = (command, args) => new Promise((resolve, reject) => {
  const child = spawn(command, args, { stdio: 'inherit' });
  child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`))));
});
const sources = readdirSync(join(root, 'kernels', 'src')).filter((f) => f.endsWith('.cu'));
const started = Date.now();
const objects = sources.map((f) => join(out, f.replace(/\.cu$/, '.o')));
// Two at a time: these machines have two cores. C++20, as kernels/emulate compiles the same
// headers (lambdas capture structured bindings).
for (let i = 0; i < sources.length; i += 2) {
  await Promise.all(sources.slice(i, i + 2).map((f, k) => run(nvcc, ['-O3', '-std=c++20', '-Xcompiler', '-fPIC', ...GENCODE, '-c', join(root, 'kernels', 'src', f), '-o', objects[i + k]])));
}
const binding = join(out, 'addon.o');
await run('g++', ['-O2', '-std=c++17', '-fPIC', '-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', `-I${nodeHeaders}`, `-I${join(root, 'node_modules', 'node-addon-api')}`, `-I${join(cuda, 'include')}`, '-c', join(root, 'kernels', 'binding', 'addon.cc'), '-o', binding]);
const addon = join(out, 'ssdcheck_kernels.node');
await run('g++', ['-shared', '-o', addon, ...objects, binding, join(cuda, 'lib64', 'libcudart_static.a'), '-ldl', '-lrt', '-lpthread']);
console.log(`kernels: built ${addon} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
