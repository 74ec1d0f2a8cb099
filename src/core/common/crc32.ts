/**
 * CRC-32 (the ISO-HDLC / zlib / PNG variant): reflected polynomial 0xEDB88320,
 * initial value 0xFFFFFFFF, final XOR 0xFFFFFFFF. Table-driven, one byte at a time.
 */

/** CRC of every byte value, for the reflected polynomial 0xEDB88320. */
const CRC_TABLE: Uint32Array = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let c = byte;
    for (let bit = 0; bit < 8; bit++) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    table[byte] = c >>> 0;
  }
  return table;
}

/**
 * CRC-32 of `bytes` as an unsigned 32-bit integer; `crc32(ascii('123456789')) === 0xCBF43926`.
 *
 * @param seed the CRC of the bytes that came before, to checksum data in pieces:
 *   `crc32(b, crc32(a)) === crc32(concat(a, b))`. Defaults to 0 (no preceding bytes).
 */
export function crc32(bytes: Uint8Array, seed = 0): number {
  let c = (seed ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}
