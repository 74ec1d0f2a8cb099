/**
 * common: what every layer may use and nothing of the project's own: CRC-32, reading a file the user
 * named without blocking or running out of memory, and telling bad input from bugs.
 */
export { isInputError } from './errors';
