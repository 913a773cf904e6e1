import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { appMenuTemplate } from './appMenu.js';

function items(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((entry) => [entry, ...(Array.isArray(entry.submenu) ? items(entry.submenu) : [])]);
}

function byId(template: MenuItemConstructorOptions[], id: string): MenuItemConstructorOptions {
  const found = items(template).find((item) => item.id === id);
  if (!found) throw new Error(`no menu item ${id}`);
  return found;
}

describe('appMenuTemplate', () => {
  it('has File, View and Help with import, quit, reload, zoom and about', () => {
    const template = appMenuTemplate({ importFolder: () => undefined, showAbout: () => undefined }, 'linux');
    expect(template.map((menu) => menu.label)).toEqual(['File', 'View', 'Help']);
    expect(byId(template, 'quit').role).toBe('quit');
    expect(byId(template, 'reload').role).toBe('reload');
    expect(['zoom-in', 'zoom-out', 'reset-zoom'].map((id) => byId(template, id).role)).toEqual(['zoomIn', 'zoomOut', 'resetZoom']);
  });

  it('calls the import and about actions', () => {
    const calls: string[] = [];
    const template = appMenuTemplate({ importFolder: () => calls.push('import'), showAbout: () => calls.push('about') }, 'linux');
    const click = (id: string) => (byId(template, id).click as () => void)();
    click('import-folder');
    click('about');
    expect(calls).toEqual(['import', 'about']);
  });

  it('adds the application menu on macOS', () => {
    expect(appMenuTemplate({ importFolder: () => undefined, showAbout: () => undefined }, 'darwin')[0]).toEqual({ role: 'appMenu' });
  });
});
