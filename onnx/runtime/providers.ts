import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InputError } from '../../reference/errors.js';

export type ExecutionProvider = 'cpu' | 'webgpu' | 'cuda';
export const EXECUTION_PROVIDERS: readonly ExecutionProvider[] = ['cpu', 'webgpu', 'cuda'];

/** An execution provider that this machine cannot run; the message says what is missing. */
export class ProviderUnavailableError extends InputError {
  override name = 'ProviderUnavailableError';
  constructor(readonly provider: ExecutionProvider, missing: string) {
    super(`--ep ${provider}`, `an available onnxruntime execution provider`, missing);
  }
}

/** Where onnxruntime-node keeps its native libraries on this platform. */
export function bindingDir(): string {
  const root = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  return join(root, 'bin', 'napi-v6', process.platform, process.arch);
}

/**
 * Checks what can be checked before a session starts. The CUDA provider is a separate library
 * that onnxruntime-node's install script downloads (from NuGet, a CUDA 12 build); without it
 * the session would fail with a loader message, so say plainly what is missing instead.
 */
export function checkProvider(provider: ExecutionProvider): void {
  if (provider !== 'cuda') return;
  const library = join(bindingDir(), 'libonnxruntime_providers_cuda.so');
  if (!existsSync(library)) {
    throw new ProviderUnavailableError('cuda', `no CUDA provider: ${library} is missing (onnxruntime-node's install script downloads it with CUDA 12 libraries; this install has only the CPU and WebGPU providers)`);
  }
}

/** Turns onnxruntime's session-creation failure for a provider into a plain message. */
export function explainProviderFailure(provider: ExecutionProvider, error: Error): Error {
  const message = error.message;
  if (provider === 'webgpu' && /adapter/i.test(message)) {
    return new ProviderUnavailableError('webgpu', `no WebGPU adapter: onnxruntime's Dawn found no GPU through Vulkan (needs libvulkan.so.1 and a GPU driver with a Vulkan ICD; onnxruntime said: ${message.split('\n')[0].slice(-120)})`);
  }
  if (provider === 'cuda' && /load|shared library/i.test(message)) {
    return new ProviderUnavailableError('cuda', `the CUDA provider failed to load (${message.split('\n')[0].slice(-160)})`);
  }
  return error;
}
