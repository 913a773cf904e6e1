/**
 * settings.json in the data directory: read and validated at start, written atomically on every
 * update. A file that is not valid JSON or not valid settings is kept aside (never silently lost)
 * and the defaults are used, with a notice the UI shows.
 */
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSettings, describeIssues, mergeSettings, RETIRED_SETTINGS, settingsSchema, type Settings } from './settings.js';

export const SETTINGS_FILE = 'settings.json';

export interface SettingsStoreEvents {
  /** After an update was written: what it was before and what it is now. */
  changed: [before: Settings, after: Settings];
}

export class SettingsStore extends EventEmitter<SettingsStoreEvents> {
  private current: Settings;
  /** True when there was no settings file: the first start of the workstation with this data directory. */
  readonly firstStart: boolean;
  readonly notices: string[] = [];
  private readonly file: string;

  constructor(readonly dataDirectory: string) {
    super();
    this.file = join(dataDirectory, SETTINGS_FILE);
    const defaults = defaultSettings();
    this.firstStart = !existsSync(this.file);
    this.current = defaults;
    if (this.firstStart) {
      this.write(defaults);
      return;
    }
    let stored: unknown;
    try {
      stored = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (reason) {
      this.keepAside(`it is not valid JSON (${(reason as Error).message})`);
      return;
    }
    // Merged over the defaults, so settings written by an older version gain the new keys.
    const merged = mergeSettings(defaults, withoutRetiredSettings(stored));
    if ('settings' in merged) this.current = merged.settings;
    else this.keepAside(merged.problems.join('; '));
  }

  get(): Settings {
    return this.current;
  }

  /** Validate and apply a patch; returns the problems instead when it is not valid. */
  update(patch: unknown): { settings: Settings; restartRequired: boolean } | { problems: string[] } {
    const merged = mergeSettings(this.current, patch);
    if (!('settings' in merged)) return merged;
    const before = this.current;
    this.write(merged.settings);
    this.current = merged.settings;
    this.emit('changed', before, merged.settings);
    // The archive folder is opened once at start; the receiver is (re)started by the app shell.
    const restartRequired = before.archiveFolder !== merged.settings.archiveFolder;
    return { settings: merged.settings, restartRequired };
  }

  private write(settings: Settings): void {
    const checked = settingsSchema.safeParse(settings);
    if (!checked.success) throw new Error(`refusing to write invalid settings: ${describeIssues(checked.error).join('; ')}`);
    const partial = `${this.file}.partial`;
    writeFileSync(partial, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
    renameSync(partial, this.file);
  }

  private keepAside(why: string): void {
    const aside = `${this.file}.invalid-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(this.file, aside);
    this.write(this.current);
    this.notices.push(`the settings file could not be used because ${why}; it was kept as ${aside} and the defaults are in effect`);
  }
}

/** An older version's reader name and role (accounts replace them) are dropped, not treated as damage. */
function withoutRetiredSettings(stored: unknown): unknown {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return stored;
  const copy: Record<string, unknown> = { ...(stored as Record<string, unknown>) };
  for (const key of RETIRED_SETTINGS) delete copy[key];
  return copy;
}
