/**
 * A streaming reader of multipart/related bodies (RFC 2046 5.1, as WADO-RS uses them, PS3.18 8.7.3):
 * parts come out as soon as their closing delimiter arrives, each part's bytes copied once, so a
 * study of hundreds of MB never sits in memory whole and a 50 MB part is not re-copied per chunk.
 * Small enough to own; the npm multipart parsers are form-data oriented (busboy) or buffer the body.
 */

export interface MultipartPart {
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Uint8Array;
}

export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MultipartError';
  }
}

/** The boundary parameter of a multipart Content-Type, unquoted. */
export function boundaryOf(contentType: string | null): string | undefined {
  if (!contentType || !/^\s*multipart\//i.test(contentType)) return undefined;
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : undefined;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
/** Part headers are a few lines; more than this is not a WADO-RS response. */
const MAX_HEADER_BYTES = 16 * 1024;

type State = 'preamble' | 'headers' | 'body' | 'after-delimiter' | 'done';

export class MultipartRelatedParser {
  /** "--boundary" (the first delimiter may start the body without the CRLF). */
  private readonly dashBoundary: Buffer;
  /** "\r\n--boundary", what ends every part's body. */
  private readonly delimiter: Buffer;
  private state: State = 'preamble';
  /** Bytes not yet consumed in the preamble, header and after-delimiter states (all small). */
  private pending: Buffer = Buffer.alloc(0);
  private headers: Record<string, string> = {};
  private bodyChunks: Buffer[] = [];
  private bodyLength = 0;

  constructor(boundary: string) {
    if (!boundary || boundary.length > 200) throw new MultipartError('the multipart boundary is missing or too long');
    this.dashBoundary = Buffer.from(`--${boundary}`, 'latin1');
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  }

  get finished(): boolean {
    return this.state === 'done';
  }

  /** Feed the next bytes; returns the parts completed by them. */
  push(chunk: Uint8Array): MultipartPart[] {
    const parts: MultipartPart[] = [];
    let input = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (input.length > 0 && this.state !== 'done') {
      if (this.state === 'body') {
        input = this.consumeBody(input, parts);
        continue;
      }
      this.pending = this.pending.length ? Buffer.concat([this.pending, input]) : input;
      input = Buffer.alloc(0);
      const rest = this.consumeSmall(parts);
      if (rest === undefined) break;
      input = rest;
    }
    return parts;
  }

  /** The body has ended: anything but a complete closing delimiter means it was cut short. */
  end(): void {
    if (this.state === 'done') return;
    throw new MultipartError(this.state === 'body' ? 'the response ended in the middle of an object (it was cut short)' : 'the response ended before its closing multipart boundary');
  }

  /** Preamble, headers and the bytes after a delimiter: small, kept in `pending`. Returns leftover input for the body state. */
  private consumeSmall(parts: MultipartPart[]): Buffer | undefined {
    for (;;) {
      if (this.state === 'preamble') {
        const at = this.pending.indexOf(this.dashBoundary);
        if (at < 0) {
          // Keep only what could be the start of the delimiter.
          this.pending = this.pending.subarray(Math.max(0, this.pending.length - this.dashBoundary.length));
          return undefined;
        }
        this.pending = this.pending.subarray(at + this.dashBoundary.length);
        this.state = 'after-delimiter';
      }
      if (this.state === 'after-delimiter') {
        if (this.pending.length < 2) return undefined;
        if (this.pending[0] === 0x2d && this.pending[1] === 0x2d) {
          this.state = 'done';
          this.pending = Buffer.alloc(0);
          return undefined;
        }
        // Transport padding (spaces, tabs) may follow the boundary before its CRLF.
        const lineEnd = this.pending.indexOf(CRLF);
        if (lineEnd < 0) {
          if (this.pending.length > 1024) throw new MultipartError('a multipart boundary line is not terminated');
          return undefined;
        }
        if (this.pending.subarray(0, lineEnd).some((byte) => byte !== 0x20 && byte !== 0x09)) throw new MultipartError('unexpected characters after a multipart boundary');
        this.pending = this.pending.subarray(lineEnd + 2);
        this.state = 'headers';
        this.headers = {};
      }
      if (this.state === 'headers') {
        // A part without headers starts directly with the blank line.
        let headerEnd: number;
        let bodyStart: number;
        if (this.pending.length >= 2 && this.pending[0] === 0x0d && this.pending[1] === 0x0a) {
          headerEnd = 0;
          bodyStart = 2;
        } else {
          headerEnd = this.pending.indexOf(HEADER_END);
          if (headerEnd < 0) {
            if (this.pending.length > MAX_HEADER_BYTES) throw new MultipartError('a multipart part has more than 16 KB of headers');
            return undefined;
          }
          bodyStart = headerEnd + 4;
        }
        for (const line of this.pending.subarray(0, headerEnd).toString('latin1').split('\r\n')) {
          const colon = line.indexOf(':');
          if (colon > 0) this.headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const rest = this.pending.subarray(bodyStart);
        this.pending = Buffer.alloc(0);
        this.state = 'body';
        this.bodyChunks = [];
        this.bodyLength = 0;
        return rest;
      }
      if (this.state === 'done' || this.state === 'body') return undefined;
    }
  }

  /**
   * Look for the delimiter in the new bytes plus the tail of the body so far (it may straddle the
   * two). Returns the input left after the delimiter, or an empty buffer when the part goes on.
   */
  private consumeBody(input: Buffer, parts: MultipartPart[]): Buffer {
    const overlap = Math.min(this.bodyLength, this.delimiter.length - 1);
    const tail = overlap > 0 ? this.tailBytes(overlap) : Buffer.alloc(0);
    const window = overlap > 0 ? Buffer.concat([tail, input]) : input;
    const at = window.indexOf(this.delimiter);
    if (at < 0) {
      this.bodyChunks.push(input);
      this.bodyLength += input.length;
      return Buffer.alloc(0);
    }
    // The body ends `overlap - at` bytes before the end of what we hold (negative: inside `input`).
    const bodyEnd = this.bodyLength - overlap + at;
    const whole = Buffer.concat([...this.bodyChunks, input]);
    parts.push({ headers: this.headers, body: new Uint8Array(whole.buffer, whole.byteOffset, bodyEnd) });
    this.bodyChunks = [];
    this.bodyLength = 0;
    this.state = 'after-delimiter';
    this.pending = Buffer.alloc(0);
    return whole.subarray(bodyEnd + this.delimiter.length);
  }

  private tailBytes(count: number): Buffer {
    const out: Buffer[] = [];
    let needed = count;
    for (let index = this.bodyChunks.length - 1; index >= 0 && needed > 0; index--) {
      const chunk = this.bodyChunks[index];
      const take = Math.min(needed, chunk.length);
      out.unshift(chunk.subarray(chunk.length - take));
      needed -= take;
    }
    return Buffer.concat(out);
  }
}
