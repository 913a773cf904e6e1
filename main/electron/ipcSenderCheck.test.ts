import { describe, expect, it } from 'vitest';
import { isTrustedSender } from './ipcSenderCheck.js';

describe('isTrustedSender', () => {
  it("trusts the app's own top-level page", () => {
    expect(isTrustedSender({ url: 'app://cac/index.html', parent: null })).toBe(true);
  });

  it('refuses a frame that is gone', () => {
    expect(isTrustedSender(null)).toBe(false);
    expect(isTrustedSender(undefined)).toBe(false);
  });

  it('refuses a subframe, even one showing an app page', () => {
    expect(isTrustedSender({ url: 'app://cac/index.html', parent: { url: 'app://cac/index.html' } })).toBe(false);
  });

  it.each(['https://example.com/', 'file:///home/reader/evil.html', 'about:blank', 'data:text/html,x', ''])('refuses a page at %s', (url) => {
    expect(isTrustedSender({ url, parent: null })).toBe(false);
  });
});
