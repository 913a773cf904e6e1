import { describe, expect, it } from 'vitest';
import { delimiter, join } from 'node:path';
import { chromiumAppArgs, findChromium, haveDisplay } from './chromiumAppWindow.js';

describe('chromium app window', () => {
  it('opens the URL as an app window in a fresh profile', () => {
    const args = chromiumAppArgs('http://127.0.0.1:40111/?token=abc', '/tmp/cac-chromium-1');
    expect(args).toContain('--app=http://127.0.0.1:40111/?token=abc');
    expect(args).toContain('--user-data-dir=/tmp/cac-chromium-1');
    expect(args).toContain('--disable-extensions');
    expect(args).not.toContain('--no-sandbox');
    expect(chromiumAppArgs('http://127.0.0.1:1/', '/tmp/p', { runningAsRoot: true })).toContain('--no-sandbox');
  });

  it('needs a display on Linux only', () => {
    expect(haveDisplay({}, 'linux')).toBe(false);
    expect(haveDisplay({ DISPLAY: ':0' }, 'linux')).toBe(true);
    expect(haveDisplay({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBe(true);
    expect(haveDisplay({}, 'win32')).toBe(true);
    expect(haveDisplay({}, 'darwin')).toBe(true);
  });

  it('finds a Chromium-family browser on PATH, or the configured one', () => {
    const present = new Set([join('/usr/bin', 'chromium'), join('/opt/google', 'google-chrome')]);
    const canRun = (path: string) => present.has(path);
    expect(findChromium({ PATH: ['/usr/local/bin', '/usr/bin'].join(delimiter) }, canRun)).toBe(join('/usr/bin', 'chromium'));
    expect(findChromium({ PATH: '/usr/local/bin' }, canRun)).toBeUndefined();
    expect(findChromium({ PATH: '/usr/bin', CAC_CHROMIUM: join('/opt/google', 'google-chrome') }, canRun)).toBe(join('/opt/google', 'google-chrome'));
    // A configured browser that is missing is reported, not silently replaced by another one.
    expect(findChromium({ PATH: '/usr/bin', CAC_CHROMIUM: '/nowhere/chrome' }, canRun)).toBeUndefined();
    expect(findChromium({ PATH: '/usr/bin', CAC_CHROMIUM: 'chrome' }, canRun)).toBeUndefined();
  });
});
