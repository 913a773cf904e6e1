import { describe, expect, it } from 'vitest';
import { isAllowedNavigation, windowOpenDecision } from './navigationPolicy.js';

describe('navigation policy', () => {
  it('lets the reading view move between its own pages', () => {
    expect(isAllowedNavigation('app://cac/index.html')).toBe(true);
    expect(isAllowedNavigation('app://cac/index.html#/reading/3')).toBe(true);
  });

  it.each(['https://example.com', 'http://127.0.0.1:8042/app/explorer.html', 'file:///etc/passwd', 'app://evil/', 'javascript:void(0)', 'mailto:reader@example.com'])(
    'refuses navigation to %s',
    (url) => {
      expect(isAllowedNavigation(url)).toBe(false);
    },
  );

  it('refuses every new window, even to the app itself', () => {
    expect(windowOpenDecision('https://example.com')).toEqual({ action: 'deny' });
    expect(windowOpenDecision('app://cac/index.html')).toEqual({ action: 'deny' });
  });
});
