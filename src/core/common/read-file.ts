/**
 * Reading a file the user named without blocking or running out of memory: what the path is is checked
 * before anything is read (a FIFO would block a read forever, /dev/zero never ends), and no more than a
 * bound is ever read.
 */
import { constants as fsConstants, promises as fsp, type Stats } from 'node:fs';

/** Opening never waits for a FIFO's writer (the handle is refused before any read); 0 where there is no such flag. */
const OPEN_NONBLOCKING = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0);

/** What kind of file a stat describes, in words: 'a folder', 'a FIFO', ... */
export function fileKind(stat: Stats): string {
  return stat.isFile() ? 'a regular file' : stat.isDirectory() ? 'a folder' : stat.isFIFO() ? 'a FIFO (named pipe)' : stat.isSocket() ? 'a socket'
    : stat.isCharacterDevice() ? 'a character device' : stat.isBlockDevice() ? 'a block device' : stat.isSymbolicLink() ? 'a symbolic link' : 'a special file';
}

/** A file that is not a regular file, or larger than the bound: a plain Error, which the CLI shows as a user error. */
export class FileReadError extends Error {
  /** `reason` is the message without the file's name: 'it is a FIFO (named pipe), not a regular file' */
  constructor(readonly file: string, readonly reason: string, readonly code?: string) {
    super(`cannot read ${file}: ${reason}`);
    this.name = 'FileReadError';
  }
}

/**
 * The bytes of a regular file, at most `maxBytes` of them: a FileReadError names the file and what is
 * wrong (missing, a folder, a FIFO, a device, larger than the bound) without blocking on it. The handle
 * is opened without waiting and checked with fstat before the first read, so a path that became a FIFO
 * after a stat is still refused.
 */
export async function readRegularFile(file: string, maxBytes: number): Promise<Buffer> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, OPEN_NONBLOCKING);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : code ?? String(err);
    throw new FileReadError(file, why, code);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new FileReadError(file, `it is ${fileKind(stat)}, not a regular file`, stat.isDirectory() ? 'EISDIR' : undefined);
    if (stat.size > maxBytes) throw new FileReadError(file, `${formatBytes(stat.size)} is more than the ${formatBytes(maxBytes)} limit`);
    // to EOF or one byte past the bound (a file that grew since its stat), in chunks
    const chunks: Buffer[] = [];
    let total = 0;
    let want = Math.min(stat.size, maxBytes) + 1;
    while (total <= maxBytes) {
      const chunk = Buffer.allocUnsafe(Math.min(want, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      want = 64 * 1024;
    }
    if (total > maxBytes) throw new FileReadError(file, `more than the ${formatBytes(maxBytes)} limit (it grew while being read)`);
    const buffer = Buffer.concat(chunks, total);
    return buffer.subarray(0, total);
  } finally {
    await handle.close();
  }
}

/** '512 B', '3.2 KB', '1 MB' (binary multiples). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1).replace(/\.0$/, '')} ${units[unit]}`;
}
