/**
 * Which kernel backend runs: WebAssembly SIMD when the runtime has it (relaxed SIMD's fused
 * multiply-add where validated), else the JavaScript kernels, said once in the log. The environment
 * variable CHAR_RNN_KERNELS=js forces the JavaScript kernels.
 */
import { Kernels, fastKernels } from './kernels';
import { createWasmKernels, wasmUnavailableReason } from './wasm/backend';

let chosen: Kernels | undefined;
let log: (message: string) => void = (m) => process.stderr.write(`char-rnn: ${m}\n`);

/** Where the one-time notice about a fallback goes (the extension's output channel, say). */
export function setKernelLog(fn: (message: string) => void): void {
  log = fn;
}

/** The process-wide default backend, chosen on first use. */
export function defaultKernels(): Kernels {
  if (!chosen) {
    const forced = process.env.CHAR_RNN_KERNELS;
    const reason = forced === 'js' ? undefined : wasmUnavailableReason();
    if (forced === 'js') chosen = fastKernels;
    else if (reason) {
      log(`${reason}: using the JavaScript kernels (slower)`);
      chosen = fastKernels;
    } else chosen = createWasmKernels();
  }
  return chosen;
}

