/**
 * The headless core of Char-RNN Complete: the model, trainer, sampler, evaluation, corpus reader and
 * checkpoints, with no `vscode` import. `require('char-rnn-complete')` gives this module.
 *
 * Its folders are layers; each imports only those listed beside it (.dependency-cruiser.cjs checks
 * this, and that there is no cycle, in `npm test`):
 *
 *   eval         infer, model, kernels, common
 *   train        checkpoint, corpus, model, kernels, common
 *   infer        model, kernels, common
 *   checkpoint   model, kernels, common
 *   corpus       common
 *   model        kernels, common
 *   kernels      common
 *   common       nothing
 */
export * from './common';
export * from './kernels';
export * from './model';
export * from './corpus';
export * from './checkpoint';
export * from './train';
export * from './infer';
export * from './eval';
