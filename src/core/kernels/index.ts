/**
 * kernels: the dense arithmetic the model runs on, behind one interface (Kernels): the reference and
 * register-tiled TypeScript kernels, and the WebAssembly SIMD backend (wasm/, compiled from the
 * AssemblyScript in wasm/assembly/) whose shared memory worker threads attach to. Which backend a
 * process uses is chosen at its edges (default-kernels.ts: the CLI, the training job, the extension)
 * and passed down; nothing below chooses.
 */
export { referenceKernels, fastKernels } from './kernels';
export type { Kernels, FloatArray, SharedKernelMemory } from './kernels';
export { defaultKernels, setKernelLog } from './default-kernels';
