/**
 * A plain-words reading of the loss curves for the panel: validation rising while the training loss
 * falls means the model is learning the workspace by heart (overfitting), and the best model by
 * validation is the one kept (core/train/schedule.ts). Pure: the chart calls it on its history.
 */

/** Validations in a row above the best, with the training loss below its value at the best, that make the note. */
const MEMORISING_VALIDATIONS = 3;

/**
 * The note, or undefined: when each of the last MEMORISING_VALIDATIONS validations is above the best
 * one while the training loss there is below its value at the best. `steps`, `loss` (nats/char) and
 * `val` (bits/char, null where no validation) are aligned, in order of characters seen.
 */
export function memorisingNote(steps: readonly number[], loss: readonly (number | null)[], val: readonly (number | null)[]): string | undefined {
  let best = -1;
  for (let i = 0; i < val.length; i++) if (val[i] !== null && (best < 0 || val[i]! < val[best]!)) best = i;
  if (best < 0 || loss[best] === null) return undefined;
  const after: number[] = [];
  for (let i = best + 1; i < val.length; i++) if (val[i] !== null) after.push(i);
  if (after.length < MEMORISING_VALIDATIONS) return undefined;
  const recent = after.slice(-MEMORISING_VALIDATIONS);
  if (!recent.every((i) => val[i]! > val[best]! && loss[i] !== null && loss[i]! < loss[best]!)) return undefined;
  return `Validation has risen for ${after.length} validations since step ${steps[best].toLocaleString('en-US')} while the training loss fell: the model is learning this workspace by heart. The best model by validation (step ${steps[best].toLocaleString('en-US')}, ${val[best]!.toFixed(3)} bits/char) is the one kept and used.`;
}
