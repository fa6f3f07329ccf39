/**
 * A set of 64-bit hashed de-duplication keys (see hashKey in pack.ts), each
 * numbered by a dense slot in the order first seen. Open addressing over
 * typed arrays: about 16–24 bytes a key, where a Map keyed by the hash as a
 * four-character string cost about 80 (16 MB at a million lines of Claude
 * transcripts, held until the input ends).
 */
export class KeyTable {
  /** Slot + 1 per bucket; 0 is an empty bucket. Length a power of two, at most half full. */
  private buckets = new Int32Array(2048);
  private highs: Uint32Array = new Uint32Array(1024);
  private lows: Uint32Array = new Uint32Array(1024);
  /** Keys held (slots 0 … size - 1). */
  size = 0;
  /** Whether the last findOrAdd added its key. */
  added = false;

  /** The slot of this key, or -1. */
  find(high: number, low: number): number {
    const mask = this.buckets.length - 1;
    for (let bucket = bucketOf(high, low, mask); ; bucket = (bucket + 1) & mask) {
      const held = this.buckets[bucket] as number;
      if (held === 0) return -1;
      const slot = held - 1;
      if (this.lows[slot] === low && this.highs[slot] === high) return slot;
    }
  }

  /** The slot of this key, numbered next if it is new (then `added` is true). */
  findOrAdd(high: number, low: number): number {
    const mask = this.buckets.length - 1;
    let bucket = bucketOf(high, low, mask);
    for (; ; bucket = (bucket + 1) & mask) {
      const held = this.buckets[bucket] as number;
      if (held === 0) break;
      const slot = held - 1;
      if (this.lows[slot] === low && this.highs[slot] === high) {
        this.added = false;
        return slot;
      }
    }
    const slot = this.size++;
    if (slot === this.highs.length) {
      this.highs = grow(this.highs);
      this.lows = grow(this.lows);
    }
    this.highs[slot] = high;
    this.lows[slot] = low;
    this.added = true;
    if (this.size * 2 > this.buckets.length) this.rehash();
    else this.buckets[bucket] = slot + 1;
    return slot;
  }

  /** Twice the buckets, every key placed again (the one just numbered included). */
  private rehash(): void {
    const buckets = new Int32Array(this.buckets.length * 2);
    const mask = buckets.length - 1;
    for (let slot = 0; slot < this.size; slot++) {
      let bucket = bucketOf(this.highs[slot] as number, this.lows[slot] as number, mask);
      while (buckets[bucket] !== 0) bucket = (bucket + 1) & mask;
      buckets[bucket] = slot + 1;
    }
    this.buckets = buckets;
  }
}

// The halves are already a keyed hash's output; mixing the high half in keeps chains short even if the low one were not.
function bucketOf(high: number, low: number, mask: number): number {
  return (low ^ Math.imul(high, 0x9e3779b1)) & mask;
}

function grow(array: Uint32Array): Uint32Array {
  const longer = new Uint32Array(array.length * 2);
  longer.set(array);
  return longer;
}
