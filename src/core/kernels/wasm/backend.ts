/**
 * The WebAssembly SIMD kernel backend: the module compiled from assembly/kernels.ts (AssemblyScript), instantiated on a
 * shared memory, with a heap for the arrays it works on. Calls on arrays that do not live in that
 * memory (float64 arrays of a gradient check, say) go to the JavaScript kernels instead.
 *
 * Worker threads instantiate the same module on the same memory (`attachWasmKernels`): they reach the
 * main thread's arrays through views at the same offsets.
 */
import { FloatArray, Kernels, SharedKernelMemory, fastKernels } from '../kernels';
import { Heap } from './heap';
import { RELAXED_WASM_BASE64, SIMD_WASM_BASE64 } from './kernels-wasm.generated';

interface KernelExports {
  heapBase(): number;
  matmulABt(out: number, A: number, B: number, M: number, N: number, K: number, accumulate: number): void;
  transpose(out: number, A: number, M: number, N: number): void;
  addTanh(h: number, a: number, b: number, n: number): void;
  softmaxCrossEntropy(probs: number, by: number, targets: number, weights: number, N: number, V: number): number;
  sumRows(out: number, table: number, rows: number, N: number, R: number, V: number): void;
  scatterAddRows(grad: number, slots: number, dy: number, weights: number, N: number, R: number, V: number, scale: number): void;
  adagradRows(table: number, acc: number, grad: number, rows: number, count: number, V: number, lr: number): void;
}

/** The module's maximum memory, in 64 KiB pages (1 GiB), as compiled. */
export const MAX_PAGES = 16384;

type Variant = SharedKernelMemory['variant'];

let modules: Partial<Record<Variant, WebAssembly.Module>> | undefined;

function compiled(): Partial<Record<Variant, WebAssembly.Module>> {
  if (!modules) {
    modules = {};
    const simd = Buffer.from(SIMD_WASM_BASE64, 'base64');
    const relaxed = Buffer.from(RELAXED_WASM_BASE64, 'base64');
    if (WebAssembly.validate(simd)) modules.simd = new WebAssembly.Module(simd);
    if (WebAssembly.validate(relaxed)) modules['relaxed-simd'] = new WebAssembly.Module(relaxed);
  }
  return modules;
}

/** Why WebAssembly SIMD cannot be used here, or undefined when it can. */
export function wasmUnavailableReason(): string | undefined {
  if (typeof WebAssembly !== 'object') return 'WebAssembly is not available';
  if (typeof SharedArrayBuffer !== 'function') return 'shared memory (SharedArrayBuffer) is not available';
  try {
    if (!compiled().simd) return 'this runtime does not support WebAssembly SIMD';
    new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  } catch (err) {
    return `WebAssembly SIMD failed to load: ${(err as Error).message}`;
  }
  return undefined;
}

export class WasmKernels implements Kernels {
  readonly name: string;
  readonly variant: Variant;
  readonly memory: WebAssembly.Memory;
  /** present in the thread that owns the memory; workers only attach */
  readonly heap: Heap | undefined;
  private readonly x: KernelExports;
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private readonly js: Kernels = fastKernels;
  readonly shared: SharedKernelMemory;

  constructor(memory: WebAssembly.Memory, variant: Variant, ownHeap: boolean) {
    const module = compiled()[variant];
    if (!module) throw new Error(`WebAssembly ${variant} is not available in this runtime`);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    this.x = instance.exports as unknown as KernelExports;
    this.memory = memory;
    this.variant = variant;
    this.name = `wasm-${variant}`;
    this.heap = ownHeap ? new Heap(memory, this.x.heapBase()) : undefined;
    this.buffers.add(memory.buffer);
    this.shared = { memory, variant, maxBytes: MAX_PAGES * 65536, owns: (a) => this.owns(a) };
  }

  /** True when `a` is a view into this memory: its address is its byte offset. */
  owns(a: { buffer: ArrayBufferLike }): boolean {
    if (this.buffers.has(a.buffer)) return true;
    const current = this.memory.buffer; // a grown shared memory has a new buffer object
    this.buffers.add(current);
    return a.buffer === current;
  }

  private f32(a: FloatArray): boolean {
    return a instanceof Float32Array && this.owns(a);
  }

  // (the offset first: allocating may grow the memory, which gives it a new buffer object)
  allocF32(n: number): Float32Array {
    const offset = this.mustHeap().alloc(n * 4);
    return this.track(new Float32Array(this.memory.buffer, offset, n));
  }
  allocI32(n: number): Int32Array {
    const offset = this.mustHeap().alloc(n * 4);
    return this.track(new Int32Array(this.memory.buffer, offset, n));
  }
  allocU8(n: number): Uint8Array {
    const offset = this.mustHeap().alloc(n);
    return this.track(new Uint8Array(this.memory.buffer, offset, n));
  }
  private track<A extends { buffer: ArrayBufferLike }>(a: A): A {
    this.buffers.add(a.buffer);
    return a;
  }
  free(a: Float32Array | Int32Array | Uint8Array): void {
    if (this.heap && this.owns(a)) this.heap.free(a.byteOffset);
  }
  private mustHeap(): Heap {
    if (!this.heap) throw new Error('a worker thread cannot allocate in the shared memory');
    return this.heap;
  }

  matmulABt(out: FloatArray, A: FloatArray, B: FloatArray, M: number, N: number, K: number, accumulate: boolean): void {
    if (this.f32(out) && this.f32(A) && this.f32(B)) this.x.matmulABt(out.byteOffset, A.byteOffset, B.byteOffset, M, N, K, accumulate ? 1 : 0);
    else this.js.matmulABt(out, A, B, M, N, K, accumulate);
  }
  transpose(out: FloatArray, A: FloatArray, M: number, N: number): void {
    if (this.f32(out) && this.f32(A)) this.x.transpose(out.byteOffset, A.byteOffset, M, N);
    else this.js.transpose(out, A, M, N);
  }
  addTanh(h: FloatArray, a: FloatArray, b: FloatArray, n: number): void {
    if (this.f32(h) && this.f32(a) && this.f32(b)) this.x.addTanh(h.byteOffset, a.byteOffset, b.byteOffset, n);
    else this.js.addTanh(h, a, b, n);
  }
  softmaxCrossEntropy(probs: FloatArray, by: FloatArray, targets: Int32Array, weights: Float32Array, N: number, V: number): number {
    if (this.f32(probs) && this.f32(by) && this.owns(targets) && this.owns(weights)) {
      return this.x.softmaxCrossEntropy(probs.byteOffset, by.byteOffset, targets.byteOffset, weights.byteOffset, N, V);
    }
    return this.js.softmaxCrossEntropy(probs, by, targets, weights, N, V);
  }
  sumRows(out: Float32Array, table: Float32Array, rows: Int32Array, N: number, R: number, V: number): void {
    if (this.f32(out) && this.f32(table) && this.owns(rows)) this.x.sumRows(out.byteOffset, table.byteOffset, rows.byteOffset, N, R, V);
    else this.js.sumRows(out, table, rows, N, R, V);
  }
  scatterAddRows(grad: Float32Array, slots: Int32Array, dy: Float32Array, weights: Float32Array, N: number, R: number, V: number, scale: number): void {
    if (this.f32(grad) && this.owns(slots) && this.f32(dy) && this.f32(weights)) this.x.scatterAddRows(grad.byteOffset, slots.byteOffset, dy.byteOffset, weights.byteOffset, N, R, V, scale);
    else this.js.scatterAddRows(grad, slots, dy, weights, N, R, V, scale);
  }
  adagradRows(table: Float32Array, acc: Float32Array, grad: Float32Array, rows: Int32Array, count: number, V: number, lr: number): void {
    if (this.f32(table) && this.f32(acc) && this.f32(grad) && this.owns(rows)) this.x.adagradRows(table.byteOffset, acc.byteOffset, grad.byteOffset, rows.byteOffset, count, V, lr);
    else this.js.adagradRows(table, acc, grad, rows, count, V, lr);
  }
}

/** The best variant this runtime validates: relaxed SIMD (fused multiply-add) when it can. */
export function bestVariant(): Variant {
  return compiled()['relaxed-simd'] ? 'relaxed-simd' : 'simd';
}

/** A backend on a new shared memory, owning its heap. */
export function createWasmKernels(variant: Variant = bestVariant()): WasmKernels {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  return new WasmKernels(memory, variant, true);
}

/** A worker thread's view of a backend created elsewhere: the same memory, no heap of its own. */
export function attachWasmKernels(memory: WebAssembly.Memory, variant: Variant): WasmKernels {
  return new WasmKernels(memory, variant, false);
}
