/** Append-only typed arrays that double when full: struct-of-arrays storage without boxing. */

type TypedArrayConstructor<T> = { new (length: number): T };

export class Growable<T extends Int32Array | Float64Array | Uint8Array> {
  private values: T;
  length = 0;

  constructor(
    private readonly make: TypedArrayConstructor<T>,
    initialCapacity = 1024,
  ) {
    this.values = new make(initialCapacity);
  }

  push(value: number): number {
    if (this.length === this.values.length) this.reserve(this.length + 1);
    this.values[this.length] = value;
    return this.length++;
  }

  /** Make room for `total` values; returns the backing array for bulk writes. */
  reserve(total: number): T {
    if (total > this.values.length) {
      const grown = new this.make(Math.max(total, this.values.length * 2));
      grown.set(this.values.subarray(0, this.length) as never);
      this.values = grown;
    }
    return this.values;
  }

  get(index: number): number {
    return this.values[index];
  }

  set(index: number, value: number): void {
    this.values[index] = value;
  }

  /** A right-sized copy: the spare capacity is released. */
  toArray(): T {
    return this.values.slice(0, this.length) as T;
  }
}
