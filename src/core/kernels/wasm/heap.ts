/**
 * A first-fit allocator over a WebAssembly shared memory, above the module's own static data. Blocks
 * are 16-byte aligned (for v128 loads); freed blocks are coalesced with their free neighbours. The
 * memory grows when needed; being shared, it never detaches the views handed out before.
 */
const ALIGN = 16;
const PAGE = 65536;

export class Heap {
  readonly memory: WebAssembly.Memory;
  private top: number;
  /** free blocks, sorted by start */
  private readonly holes: { start: number; size: number }[] = [];
  private readonly sizes = new Map<number, number>();

  constructor(memory: WebAssembly.Memory, base: number) {
    this.memory = memory;
    this.top = alignUp(base);
  }

  /** bytes handed out and not freed */
  get inUse(): number {
    let n = 0;
    for (const s of this.sizes.values()) n += s;
    return n;
  }

  alloc(bytes: number): number {
    const size = alignUp(Math.max(bytes, 1));
    for (let i = 0; i < this.holes.length; i++) {
      const hole = this.holes[i];
      if (hole.size >= size) {
        const start = hole.start;
        if (hole.size === size) this.holes.splice(i, 1);
        else { hole.start += size; hole.size -= size; }
        this.sizes.set(start, size);
        return start;
      }
    }
    const start = this.top;
    const end = start + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    this.sizes.set(start, size);
    return start;
  }

  free(start: number): void {
    const size = this.sizes.get(start);
    if (size === undefined) throw new Error(`no block allocated at ${start}`);
    this.sizes.delete(start);
    new Uint8Array(this.memory.buffer, start, size).fill(0); // blocks come back zeroed, like new arrays
    if (start + size === this.top) {
      this.top = start;
      // the hole that now touches the top goes back to the top too
      const last = this.holes[this.holes.length - 1];
      if (last && last.start + last.size === this.top) {
        this.top = last.start;
        this.holes.pop();
      }
      return;
    }
    let i = 0;
    while (i < this.holes.length && this.holes[i].start < start) i++;
    this.holes.splice(i, 0, { start, size });
    const next = this.holes[i + 1];
    if (next && start + size === next.start) {
      this.holes[i].size += next.size;
      this.holes.splice(i + 1, 1);
    }
    const prev = this.holes[i - 1];
    if (prev && prev.start + prev.size === start) {
      prev.size += this.holes[i].size;
      this.holes.splice(i, 1);
    }
  }
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
