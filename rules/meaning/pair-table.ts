/**
 * A small hash table from a pair of UTF-16 code units to a non-negative integer, for the meaning layer's lookups
 * by one or two characters (concept words by their first two characters or sounds, character features of the
 * example index) without building a string or a floating-point key for each lookup.
 */

/**
 * An open-addressing hash table from a pair of UTF-16 code units `(a, b)` to a non-negative integer: linear
 * probing, capacity a power of two kept at most half full, the pair packed into one 32-bit key `a << 16 | b`.
 * A single character is the pair `(c, 0)` (normalised text has no NUL).
 */
export class PairTable {
  private keys: Int32Array;
  /** The value of the key in the same slot; -1 marks an empty slot. */
  private vals: Int32Array;
  /** 32 − log2(capacity): the hash is the top bits of the key times a Fibonacci constant. */
  private shift: number;
  private used = 0;

  /** @param capacity initial number of slots, a power of two (the table doubles when half full) */
  constructor(capacity = 64) {
    this.keys = new Int32Array(capacity);
    this.vals = new Int32Array(capacity).fill(-1);
    this.shift = 32 - Math.log2(capacity);
  }

  /** Slot of the key: where it is, or the empty slot where it would go. */
  private slot(key: number): number {
    const mask = this.keys.length - 1;
    let i = Math.imul(key, 0x9e3779b1) >>> this.shift;
    while (this.vals[i] !== -1 && this.keys[i] !== key) i = (i + 1) & mask;
    return i;
  }

  /** The value of the pair `(a, b)`, or -1 when it has none. */
  get(a: number, b: number): number {
    return this.vals[this.slot((a << 16) | b)]!;
  }

  /** The value of the pair `(a, b)`; when it has none, sets it to `value` and returns that. */
  getOrSet(a: number, b: number, value: number): number {
    const key = (a << 16) | b;
    let i = this.slot(key);
    if (this.vals[i] !== -1) return this.vals[i]!;
    if (2 * (this.used + 1) > this.keys.length) {
      this.grow();
      i = this.slot(key);
    }
    this.keys[i] = key;
    this.vals[i] = value;
    this.used++;
    return value;
  }

  /** Empties the table, keeping its capacity. */
  clear(): void {
    if (this.used === 0) return;
    this.vals.fill(-1);
    this.used = 0;
  }

  private grow(): void {
    const { keys, vals } = this;
    this.keys = new Int32Array(keys.length * 2);
    this.vals = new Int32Array(keys.length * 2).fill(-1);
    this.shift--;
    for (let i = 0; i < keys.length; i++) {
      if (vals[i] === -1) continue;
      const j = this.slot(keys[i]!);
      this.keys[j] = keys[i]!;
      this.vals[j] = vals[i]!;
    }
  }
}
