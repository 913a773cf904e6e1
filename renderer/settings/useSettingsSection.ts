/**
 * One section of the Settings view as a form: a draft taken from the settings, "unsaved" while it
 * differs from what is stored, saved with one settings.update of that section. A refusal keeps the
 * draft and puts each problem next to its field; settings saved by another section (or another
 * window) update this draft only when nothing is typed here, so nothing typed is lost.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { SettingsResponse } from '../../main/api/contract.js';
import type { Settings, SettingsPatch } from '../../main/api/settings.js';
import { ApiCallError, cacClient } from '../api/cacClient.js';
import { problemsByPath } from './settingsText.js';

/** What a section's save makes of its draft: the patch, or problems found before asking the API. */
export type PatchOrProblems = { patch: SettingsPatch } | { problems: Map<string, string> };

export interface SectionForm<D> {
  draft: D;
  change(update: Partial<D> | ((draft: D) => D)): void;
  dirty: boolean;
  saving: boolean;
  /** True after a save until the next edit. */
  saved: boolean;
  /** A problem for one field path ("scoring.thresholdHu"), from the last save. */
  problem(path: string): string | undefined;
  /** Every problem whose path starts with the prefix, with the rest of the path ("0.name"). */
  problemsUnder(prefix: string): Map<string, string>;
  /** Problems no field asked for during this render (listed at the section's foot, never hidden). */
  unshown(): [string, string][];
  /** The refusal as a whole (shown at the section's foot). */
  error?: string;
  /** Save attempts answered so far (saved or refused): lets a test wait for this save's answer. */
  attempts: number;
  save(): Promise<void>;
  revert(): void;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function useSettingsSection<D>(
  settings: Settings,
  fromSettings: (settings: Settings) => D,
  toPatch: (draft: D) => PatchOrProblems,
  onSaved: (response: SettingsResponse) => void,
): SectionForm<D> {
  const [base, setBase] = useState<D>(() => fromSettings(settings));
  const [draft, setDraft] = useState<D>(base);
  const [problems, setProblems] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [attempts, setAttempts] = useState(0);
  const latest = useRef({ base, draft });
  latest.current = { base, draft };
  // Paths the section's fields asked for in this render: the rest is listed at the foot.
  const asked = useRef(new Set<string>());
  asked.current = new Set();

  useEffect(() => {
    const next = fromSettings(settings);
    const { base: current, draft: typed } = latest.current;
    if (same(next, current)) return;
    setBase(next);
    if (same(typed, current)) setDraft(next);
    // fromSettings is a module-level function in every section: only the settings matter here.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [settings]);

  const change = useCallback((update: Partial<D> | ((draft: D) => D)) => {
    setDraft((current) => (typeof update === 'function' ? update(current) : { ...current, ...update }));
    setSaved(false);
  }, []);

  const save = async () => {
    const built = toPatch(draft);
    if ('problems' in built) {
      setProblems(built.problems);
      setError('Not saved: correct the marked fields.');
      setSaved(false);
      setAttempts((count) => count + 1);
      return;
    }
    setSaving(true);
    try {
      const response = await cacClient.call('settings.update', { patch: built.patch });
      const stored = fromSettings(response.settings);
      setBase(stored);
      setDraft(stored);
      setProblems(new Map());
      setError(undefined);
      setSaved(true);
      onSaved(response);
    } catch (reason) {
      const details = reason instanceof ApiCallError ? reason.details : undefined;
      const byPath = problemsByPath(details, 'patch.');
      setProblems(byPath);
      setError(byPath.size > 0 ? 'Not saved: correct the marked fields.' : `Not saved: ${(reason as Error).message}`);
      setSaved(false);
    } finally {
      setSaving(false);
      setAttempts((count) => count + 1);
    }
  };

  return {
    draft,
    change,
    dirty: !same(draft, base),
    saving,
    saved,
    problem: (path) => {
      asked.current.add(path);
      return problems.get(path);
    },
    problemsUnder: (prefix) => {
      const under = [...problems].filter(([path]) => path.startsWith(prefix));
      for (const [path] of under) asked.current.add(path);
      return new Map(under.map(([path, message]) => [path.slice(prefix.length), message]));
    },
    unshown: () => [...problems].filter(([path]) => !asked.current.has(path)),
    error,
    attempts,
    save,
    revert: () => {
      setDraft(base);
      setProblems(new Map());
      setError(undefined);
    },
  };
}
