/** Who uses the workstation: the reader's name (readings and the audit log are kept per reader) and role. */
import type { SettingsResponse } from '../../main/api/contract.js';
import { READER_ROLES, SIGNING_ROLES, type ReaderRole, type Settings } from '../../main/api/settings.js';
import { Field, SettingsSection } from './SettingsSection.js';
import { useSettingsSection, type PatchOrProblems } from './useSettingsSection.js';

interface UserDraft {
  readerName: string;
  readerRole: ReaderRole;
}

const fromSettings = (settings: Settings): UserDraft => ({ readerName: settings.readerName, readerRole: settings.readerRole });
const toPatch = (draft: UserDraft): PatchOrProblems => ({ patch: { readerName: draft.readerName, readerRole: draft.readerRole } });

export function UserSection({ settings, onSaved }: { settings: Settings; onSaved: (response: SettingsResponse) => void }) {
  const form = useSettingsSection(settings, fromSettings, toPatch, onSaved);
  const signs = SIGNING_ROLES.includes(form.draft.readerRole);
  return (
    <SettingsSection id="user" title="User" form={form} intro="Readings, reports and the audit log are recorded under this name.">
      <div className="settings-grid">
        <Field label="Reader name" testId="settings-reader-name" problem={form.problem('readerName')}>
          <input data-testid="settings-reader-name" value={form.draft.readerName} maxLength={64} onChange={(event) => form.change({ readerName: event.target.value })} />
        </Field>
        <Field
          label="Role"
          testId="settings-reader-role"
          problem={form.problem('readerRole')}
          hint={
            <span data-testid="settings-role-note" className={signs ? undefined : 'settings-warn'}>
              Only radiologists and cardiologists sign reports{signs ? '.' : `: a ${form.draft.readerRole} can prepare a report but not sign it.`}
            </span>
          }
        >
          <select data-testid="settings-reader-role" value={form.draft.readerRole} onChange={(event) => form.change({ readerRole: event.target.value as ReaderRole })}>
            {READER_ROLES.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
        </Field>
      </div>
    </SettingsSection>
  );
}
