import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from './contentSecurityPolicy.js';

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((part) => {
    const [name, ...sources] = part.trim().split(/\s+/);
    return [name, sources] as [string, string[]];
  }));
}

describe('contentSecurityPolicy', () => {
  const policy = directives(contentSecurityPolicy());

  it('denies by default and allows scripts and styles from the app only', () => {
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
  });

  it('has no inline script, eval or remote source anywhere', () => {
    const csp = contentSecurityPolicy();
    expect(policy.get('script-src')).not.toContain("'unsafe-inline'");
    expect(csp).not.toMatch(/unsafe-eval|wasm-unsafe-eval|https?:|\*/);
  });

  it('forbids plugins, frames, base rewriting and form posts', () => {
    for (const name of ['object-src', 'frame-src', 'frame-ancestors', 'base-uri', 'form-action']) expect(policy.get(name)).toEqual(["'none'"]);
  });

  it("lets the browser-mode page reach its own loopback host, nothing else", () => {
    const hosted = directives(contentSecurityPolicy({ connectSources: ['http://127.0.0.1:43117', 'ws://127.0.0.1:43117'] }));
    expect(hosted.get('connect-src')).toEqual(["'self'", 'http://127.0.0.1:43117', 'ws://127.0.0.1:43117']);
    expect(() => contentSecurityPolicy({ connectSources: ['https://example.com'] })).toThrow(/loopback/);
    expect(() => contentSecurityPolicy({ connectSources: ["http://127.0.0.1:1; script-src 'unsafe-inline'"] })).toThrow(/loopback/);
  });
});
