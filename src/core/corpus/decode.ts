/**
 * Reading one file of the corpus and deciding whether it is text: a bounded read (never more than the
 * caps allow, never from a FIFO or a device), binary sniffing (a NUL byte in the first 8000 bytes, as
 * git's buffer_is_binary, or too many control characters), decoding (UTF-8, UTF-16 with a BOM;
 * invalid bytes become U+FFFD), line endings normalised to '\n', and minified-file detection by line
 * lengths.
 */
import { constants as fsConstants, promises as fsp } from 'node:fs';
import { fileKind } from '../common/read-file';

/** Bytes (or UTF-16 code units) looked at by the binary sniffer. */
const SNIFF_LENGTH = 8000;
/** More than this fraction of control characters in the sniffed prefix makes a file binary. */
const MAX_CONTROL_FRACTION = 0.1;
/** Minified detection only applies to files of at least this many bytes. */
const MINIFIED_MIN_BYTES = 4096;
const MINIFIED_MAX_AVERAGE_LINE = 250;
const MINIFIED_MAX_LINE = 5000;

/** Opening never waits for a FIFO's writer (the handle is checked before any read); 0 where there is no such flag. */
const OPEN_NONBLOCKING = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0);

/** Reads at most `limit + 1` bytes, so that a file which grew past `limit` since its stat is detected, not loaded. */
export async function readBounded(absPath: string, expectedSize: number, limit: number): Promise<Buffer> {
  const handle = await fsp.open(absPath, OPEN_NONBLOCKING);
  try {
    // the path may have become a FIFO or a device since its stat: such a handle is never read
    const stats = await handle.stat();
    if (!stats.isFile()) throw Object.assign(new Error(`it is now ${fileKind(stats)}`), { code: 'not a regular file' });
    const chunks: Buffer[] = [];
    let total = 0;
    let chunkSize = expectedSize + 1;
    while (total <= limit) {
      const want = Math.min(chunkSize, limit + 1 - total);
      const chunk = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(chunk, 0, want, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === want ? chunk : chunk.subarray(0, bytesRead));
      total += bytesRead;
      chunkSize = 64 * 1024;
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

export interface DecodedContent {
  text: string;
  /** Set when the content looks binary; `text` is then ''. */
  binaryReason?: string;
  /** 'UTF-8' or 'UTF-16' when the bytes were not valid in that encoding. */
  invalidEncoding?: string;
}

/** Sniffs for binary content, then decodes: UTF-16 when a UTF-16 BOM is present, else UTF-8 (BOM stripped). */
export function decodeContent(buffer: Buffer): DecodedContent {
  if (buffer.length >= 2 && ((buffer[0] === 0xff && buffer[1] === 0xfe) || (buffer[0] === 0xfe && buffer[1] === 0xff))) {
    const littleEndian = buffer[0] === 0xff;
    let body = buffer.subarray(2);
    const oddByte = body.length % 2 === 1;
    if (oddByte) body = body.subarray(0, body.length - 1);
    if (!littleEndian) body = Buffer.from(body).swap16();
    const { text, valid } = decode(body, 'utf-16le');
    const binaryReason = sniffControlCharacters(text);
    if (binaryReason !== undefined) return { text: '', binaryReason: `${binaryReason} (after UTF-16 decoding)` };
    return valid && !oddByte ? { text } : { text: oddByte ? `${text}\ufffd` : text, invalidEncoding: 'UTF-16' };
  }
  const binaryReason = sniffBytes(buffer);
  if (binaryReason !== undefined) return { text: '', binaryReason };
  const hasBom = buffer.length >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
  const { text, valid } = decode(hasBom ? buffer.subarray(3) : buffer, 'utf-8');
  return valid ? { text } : { text, invalidEncoding: 'UTF-8' };
}

/** Decodes with replacement characters; `valid` is false when some bytes were replaced. */
function decode(bytes: Uint8Array, encoding: 'utf-8' | 'utf-16le'): { text: string; valid: boolean } {
  const text = new TextDecoder(encoding, { fatal: false, ignoreBOM: true }).decode(bytes);
  if (!text.includes('\ufffd')) return { text, valid: true };
  // U+FFFD may also be in the file itself: only a strict decode tells.
  try {
    new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
    return { text, valid: true };
  } catch {
    return { text, valid: false };
  }
}

/** A control character that text files do not hold: C0 controls other than \t \n \v \f \r and ESC, and DEL. */
function isSuspiciousControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0b && code !== 0x0c && code !== 0x0d && code !== 0x1b) || code === 0x7f;
}

/** Why the first bytes look binary (a NUL byte, or too many control characters), or undefined. */
function sniffBytes(buffer: Uint8Array): string | undefined {
  const length = Math.min(buffer.length, SNIFF_LENGTH);
  let controls = 0;
  for (let i = 0; i < length; i++) {
    const byte = buffer[i];
    if (byte === 0) return `NUL byte at offset ${i}`;
    if (isSuspiciousControl(byte)) controls++;
  }
  return controlVerdict(controls, length, 'bytes');
}

/** The same sniffing on decoded UTF-16 text, by code unit. */
function sniffControlCharacters(text: string): string | undefined {
  const length = Math.min(text.length, SNIFF_LENGTH);
  let controls = 0;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0) return `NUL character at index ${i}`;
    if (isSuspiciousControl(code)) controls++;
  }
  return controlVerdict(controls, length, 'characters');
}

function controlVerdict(controls: number, length: number, unit: string): string | undefined {
  if (length === 0 || controls / length <= MAX_CONTROL_FRACTION) return undefined;
  const percent = ((100 * controls) / length).toFixed(1);
  return `${percent}% of the first ${length} ${unit} are control characters (more than ${100 * MAX_CONTROL_FRACTION}%)`;
}

/** Why a text looks minified (very long lines in a file of at least 4 KiB), or undefined. */
export function detectMinified(text: string, bytes: number): string | undefined {
  if (bytes < MINIFIED_MIN_BYTES) return undefined;
  let lineCount = 0;
  let longest = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineCount++;
    longest = Math.max(longest, end - start);
    start = end + 1;
  }
  if (longest > MINIFIED_MAX_LINE) return `a line of ${longest} characters (more than ${MINIFIED_MAX_LINE})`;
  const average = text.length / Math.max(1, lineCount);
  if (average > MINIFIED_MAX_AVERAGE_LINE) {
    return `average line length ${Math.round(average)} characters (more than ${MINIFIED_MAX_AVERAGE_LINE})`;
  }
  return undefined;
}

/** CRLF and lone CR become LF. */
export function normaliseLineEndings(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/** Length in Unicode code points (a surrogate pair counts once). */
export function countCodePoints(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}
