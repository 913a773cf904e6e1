/**
 * Sessions: how many minutes without keyboard or mouse before the workstation locks itself (the
 * open study stays under the lock screen). Who signs and reads is the signed-in account now, no
 * longer a setting (issue 10).
 */
import type { SettingsResponse } from '../../main/api/contract.js';
import type { Settings } from '../../main/api/settings.js';
import { Field, SettingsSection } from './SettingsSection.js';
import { useSettingsSection, type PatchOrProblems } from './useSettingsSection.js';

interface SessionDraft {
  /** As typed: a blank or a fraction is refused before asking the API. */
  idleLockMinutes: string;
}

const fromSettings = (settings: Settings): SessionDraft => ({ idleLockMinutes: String(settings.session.idleLockMinutes) });
const toPatch = (draft: SessionDraft): PatchOrProblems => {
  const minutes = Number(draft.idleLockMinutes.trim());
  if (!draft.idleLockMinutes.trim() || !Number.isInteger(minutes)) return { problems: new Map([['session.idleLockMinutes', 'enter a whole number of minutes (1 to 240)']]) };
  return { patch: { session: { idleLockMinutes: minutes } } };
};

export function SessionSection({ settings, onSaved }: { settings: Settings; onSaved: (response: SettingsResponse) => void }) {
  const form = useSettingsSection(settings, fromSettings, toPatch, onSaved);
  return (
    <SettingsSection id="session" title="Sessions" form={form} intro="Readings, reports and the audit trail are recorded under the signed-in account (Users).">
      <div className="settings-grid">
        <Field
          label="Lock after"
          testId="settings-idle-lock-minutes"
          unit="min"
          problem={form.problem('session.idleLockMinutes')}
          hint="Without keyboard or mouse activity; the open study and unsaved text stay under the lock screen. Default 10 min."
        >
          <input
            data-testid="settings-idle-lock-minutes"
            inputMode="numeric"
            value={form.draft.idleLockMinutes}
            maxLength={3}
            onChange={(event) => form.change({ idleLockMinutes: event.target.value })}
          />
        </Field>
      </div>
    </SettingsSection>
  );
}
