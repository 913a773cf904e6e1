/**
 * Where the workstation keeps its data (archive, database, settings) when nothing is configured:
 * the same folder Electron's app.getPath('userData') gives for this product, so the command line
 * and the desktop app share one archive. CAC_DATA_DIR overrides it (tests, several sites on one PC).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const PRODUCT_NAME = 'CAC Workstation';

export function defaultDataDirectory(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.CAC_DATA_DIR) return env.CAC_DATA_DIR;
  switch (platform) {
    case 'win32':
      return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), PRODUCT_NAME);
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', PRODUCT_NAME);
    default:
      return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), PRODUCT_NAME);
  }
}

/** The archive folder inside the data directory (a setting may move it elsewhere). */
export function defaultArchiveDirectory(dataDirectory: string): string {
  return join(dataDirectory, 'archive');
}
