/**
 * Whether an error describes bad input (a missing path, an empty corpus, bad settings, a corrupt
 * checkpoint) rather than a bug: the core reports bad input with plain Errors, while TypeError,
 * RangeError and ReferenceError come from programming mistakes. The CLI and the training process both
 * decide with this what to show a user and what to report as an internal error.
 */
export function isInputError(err: unknown): boolean {
  return err instanceof Error && !(err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError);
}
