/**
 * The application menu: File (import a folder, quit), View (reload, zoom), Help (about). Built as a
 * plain template so its shape is testable; main.ts hands it to Menu.buildFromTemplate.
 */
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  importFolder(): void;
  showAbout(): void;
}

export function appMenuTemplate(actions: MenuActions, platform: NodeJS.Platform = process.platform): MenuItemConstructorOptions[] {
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { id: 'import-folder', label: 'Import Folder…', accelerator: 'CmdOrCtrl+O', click: () => actions.importFolder() },
        { type: 'separator' },
        { id: 'quit', role: 'quit' },
      ],
    },
    {
      label: 'View',
      submenu: [
        { id: 'reload', role: 'reload' },
        { type: 'separator' },
        { id: 'reset-zoom', role: 'resetZoom' },
        { id: 'zoom-in', role: 'zoomIn' },
        { id: 'zoom-out', role: 'zoomOut' },
        { type: 'separator' },
        { id: 'fullscreen', role: 'togglefullscreen' },
      ],
    },
    {
      label: 'Help',
      submenu: [{ id: 'about', label: 'About CAC Workstation', click: () => actions.showAbout() }],
    },
  ];
  // macOS puts Quit under the application menu; keep it where Mac users look for it.
  if (platform === 'darwin') template.unshift({ role: 'appMenu' });
  return template;
}
