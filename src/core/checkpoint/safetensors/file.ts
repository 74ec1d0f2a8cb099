/**
 * Safetensors files on disk. Reading checks what the path is (a regular file, never a FIFO or a device),
 * reads the 8-byte length first, then the header, and validates both (decode.ts) before it reads or
 * allocates the data region: it never reads more than the file holds. Writing is atomic (a temporary
 * file in the same folder, fsynced, renamed over the target), and the temporary files a killed writer
 * left behind are removed.
 */
import { constants as bufferConstants } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, type Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { checkHeaderLength, decodeData, type DecodedSafetensors, type ParsedHeader, parseHeader, readHeaderLength, verifyDataChecksum } from './decode';
import { CheckpointFormatError, describeValue, type Fail, failFor } from './format';

/**
 * Replaces `path` with `data` atomically: readers see the old file or the new one, never a mix.
 * Writes `${path}.tmp-<pid>-<random>` in the same directory, fsyncs it, renames it over `path`, then
 * fsyncs the directory where the platform allows. On any error the temp file is removed, `path` is
 * left as it was, and the error is rethrown. Temporary files of `path` that a killed writer left
 * behind are removed first (removeStaleTempFiles).
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(`writeFileAtomic: data must be a Uint8Array, got ${describeValue(data)}`);
  }
  await removeStaleTempFiles(path);
  const tempPath = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(tempPath, 'wx');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(tempPath, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fsp.rm(tempPath, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dirname(path));
}

/** A temporary file older than this is left over whoever wrote it: no write takes that long. */
const STALE_TEMP_AGE_MS = 60 * 60 * 1000;

/**
 * Removes the temporary files writeFileAtomic left beside `path` when its process was killed mid-write
 * (`${path}.tmp-<pid>-<12 hex digits>`): those of a process that no longer exists, and any older than
 * `maxAgeMs` (a pid can be reused). A temp file of a live writer is never touched while it is recent.
 * Best effort: returns the paths removed and never throws.
 */
export async function removeStaleTempFiles(path: string, maxAgeMs = STALE_TEMP_AGE_MS): Promise<string[]> {
  const folder = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fsp.readdir(folder);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d{1,10})-[0-9a-f]{12}$/.exec(name.slice(prefix.length));
    if (!match) continue;
    const file = join(folder, name);
    try {
      const info = await fsp.lstat(file);
      if (!info.isFile()) continue;
      if (processIsAlive(Number(match[1])) && Date.now() - info.mtimeMs < maxAgeMs) continue;
      await fsp.rm(file, { force: true });
      removed.push(file);
    } catch {
      // gone already, or not ours to remove: leave it
    }
  }
  return removed;
}

function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // it exists, under another user
  }
}

/** Makes a rename durable. Not possible on every platform (Windows cannot open a directory): best effort. */
async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(directory, 'r');
    await handle.sync();
  } catch {
    // The rename is already atomic; only durability across a power loss is weaker here.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Reads and decodes a safetensors file; error messages start with `path`.
 *
 * @throws CheckpointFormatError for a missing or unreadable file too (the fs error is its `cause`, its
 *   code the error's `code`), and for a path that is not a regular file (a FIFO, a device, a folder).
 */
export async function readSafetensorsFile(
  path: string,
  opts: { requireFinite?: boolean } = {},
): Promise<DecodedSafetensors> {
  const fail = failFor(path);
  const { bytes, header } = await readValidated(path, fail);
  return decodeData(bytes, header, opts.requireFinite ?? true, fail);
}

/**
 * The bytes of a safetensors file whose length prefix, header and checksums are valid (its tensors are
 * not decoded), read as readSafetensorsFile reads them: for copying a file once it is known to be one.
 *
 * @throws CheckpointFormatError as readSafetensorsFile does.
 */
export async function readSafetensorsBytes(path: string): Promise<Uint8Array> {
  const fail = failFor(path);
  const { bytes, header } = await readValidated(path, fail);
  verifyDataChecksum(bytes, header, fail);
  return bytes;
}

/**
 * Reads a file in three steps, each bounded by the file's size: the 8-byte length, then the header (parsed
 * and validated), then the data region. Only a regular file is opened, and without blocking: a FIFO
 * would otherwise wait for a writer forever, and a device never ends.
 */
async function readValidated(path: string, fail: Fail): Promise<{ bytes: Uint8Array; header: ParsedHeader }> {
  const cannotRead = (err: unknown): never => {
    throw new CheckpointFormatError(`${path}: cannot read the checkpoint: ${describeFsError(err)}`, { cause: err });
  };
  const checkKind = (info: Stats) => {
    if (info.isDirectory()) fail('cannot read the checkpoint: it is a directory, not a file (EISDIR)');
    if (!info.isFile()) fail(`cannot read the checkpoint: it is ${describeFileKind(info)}, not a regular file`);
  };
  checkKind(await fsp.stat(path).catch(cannotRead));
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0)).catch(cannotRead);
    const info = await handle.stat().catch(cannotRead);
    checkKind(info); // the path may have changed since
    const size = info.size;
    const readAt = async (into: Uint8Array, position: number): Promise<void> => {
      let done = 0;
      while (done < into.length) {
        const { bytesRead } = await handle!.read(into, done, into.length - done, position + done).catch(cannotRead);
        if (bytesRead === 0) fail(`truncated: the file ended at ${position + done} bytes while it was read (was it being written?)`);
        done += bytesRead;
      }
    };
    if (size < 8) {
      const short = new Uint8Array(size);
      await readAt(short, 0);
      fail(`truncated: ${size} bytes, too short for a safetensors header`);
    }
    const prefix = new Uint8Array(8);
    await readAt(prefix, 0);
    const dataStart = 8 + checkHeaderLength(readHeaderLength(prefix), size, fail);
    if (size > bufferConstants.MAX_LENGTH) fail(`${size} bytes is more than this program can hold in memory`);
    const head = new Uint8Array(dataStart);
    head.set(prefix);
    await readAt(head.subarray(8), 8);
    const header = parseHeader(head, size, fail);
    const bytes = new Uint8Array(size);
    bytes.set(head);
    await readAt(bytes.subarray(dataStart), dataStart);
    return { bytes, header };
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function describeFsError(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
  switch (code) {
    case 'ENOENT':
      return 'no such file (ENOENT)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'EISDIR':
      return 'it is a directory, not a file (EISDIR)';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

function describeFileKind(info: Stats): string {
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a file';
}
