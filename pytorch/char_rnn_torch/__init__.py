"""Char-RNN Complete's PyTorch trainer: the model of src/core (stacked tanh RNN, direct n-gram
connections), trained with truncated BPTT over B streams, on one CPU or GPU or with DDP (torchrun),
reading the corpus file of `char-rnn export-corpus` and writing the project's checkpoint format.

Modules: safetensors_io (the file format with its CRC-32s), corpus (the corpus file, the validation
sample), rng (the project's xoshiro128**), direct (the direct connections' rows), streams (the B
streams), model (forward, loss, bits/char), optim (Adam, Adagrad, clipping), schedule (the plateau
schedule), checkpoint (read and write the project's checkpoints), train (the command), evaluate and
step (bits/char and one step's gradients, for the parity tests).
"""

__version__ = "0.1.0"
