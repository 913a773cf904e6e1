import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { APP_ENTRY_URL, contentTypeFor, isAppUrl, resolveAppFile } from './appOrigin.js';

describe('isAppUrl', () => {
  it('accepts the app origin only', () => {
    expect(isAppUrl(APP_ENTRY_URL)).toBe(true);
    expect(isAppUrl('app://cac/')).toBe(true);
    expect(isAppUrl('app://cac/assets/index-abc.js?v=1#x')).toBe(true);
  });

  it.each([
    'file:///work/main/dist/renderer/index.html',
    'https://cac/index.html',
    'http://127.0.0.1:8080/index.html',
    'app://evil/index.html',
    'app://cac.evil.com/index.html',
    'app://cac:8080/index.html',
    'app://user:pw@cac/index.html',
    'devtools://devtools/bundled/inspector.html',
    'data:text/html,<h1>x</h1>',
    'javascript:alert(1)',
    'about:blank',
    '',
    'not a url',
  ])('refuses %s', (url) => {
    expect(isAppUrl(url)).toBe(false);
  });
});

describe('resolveAppFile', () => {
  const root = join('/opt', 'cac', 'renderer');

  it('maps app URLs to files inside the renderer folder', () => {
    expect(resolveAppFile(root, 'app://cac/')).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://cac/index.html')).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://cac/assets/main.js?x=1')).toBe(join(root, 'assets', 'main.js'));
    expect(resolveAppFile(root, 'app://cac/fonts/Inter%20Regular.woff2')).toBe(join(root, 'fonts', 'Inter Regular.woff2'));
  });

  it('keeps dot segments inside the folder (the URL parser folds them away at the root)', () => {
    expect(resolveAppFile(root, 'app://cac/../../etc/passwd')).toBe(join(root, 'etc', 'passwd'));
    expect(resolveAppFile(root, 'app://cac/%2e%2e/%2e%2e/etc/passwd')).toBe(join(root, 'etc', 'passwd'));
  });

  it.each([
    'app://cac/assets/..%2f..%2f..%2fetc%2fpasswd',
    'app://cac/%00index.html',
    'app://cac/%E0%A4%A',
    'app://other/index.html',
    'file:///etc/passwd',
  ])('refuses %s', (url) => {
    expect(resolveAppFile(root, url)).toBeUndefined();
  });
});

describe('contentTypeFor', () => {
  it('serves scripts as JavaScript and unknown files as opaque bytes', () => {
    expect(contentTypeFor('/r/index.html')).toMatch(/^text\/html/);
    expect(contentTypeFor('/r/assets/main.JS')).toMatch(/^text\/javascript/);
    expect(contentTypeFor('/r/codec.wasm')).toBe('application/wasm');
    expect(contentTypeFor('/r/README')).toBe('application/octet-stream');
  });
});
