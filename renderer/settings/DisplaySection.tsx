/** How readings are shown: the label overlay's opacity, and the left main reported with the LAD (a site convention). */
import type { SettingsResponse } from '../../main/api/contract.js';
import type { Settings } from '../../main/api/settings.js';
import { Field, SettingsSection } from './SettingsSection.js';
import { useSettingsSection, type PatchOrProblems } from './useSettingsSection.js';

interface DisplayDraft {
  overlayOpacity: number;
  reportLmWithLad: boolean;
}

const fromSettings = ({ display }: Settings): DisplayDraft => ({ overlayOpacity: display.overlayOpacity, reportLmWithLad: display.reportLmWithLad });
const toPatch = (draft: DisplayDraft): PatchOrProblems => ({ patch: { display: { overlayOpacity: draft.overlayOpacity, reportLmWithLad: draft.reportLmWithLad } } });

export function DisplaySection({ settings, onSaved }: { settings: Settings; onSaved: (response: SettingsResponse) => void }) {
  const form = useSettingsSection(settings, fromSettings, toPatch, onSaved);
  return (
    <SettingsSection id="display" title="Display" form={form}>
      <div className="settings-grid">
        <Field label="Overlay opacity" testId="settings-overlay-opacity" problem={form.problem('display.overlayOpacity')} hint="The artery colours drawn over the slices. Default 50 %.">
          <span className="settings-range">
            <input
              type="range"
              data-testid="settings-overlay-opacity"
              min={0}
              max={1}
              step={0.05}
              value={form.draft.overlayOpacity}
              onChange={(event) => form.change({ overlayOpacity: Number(event.target.value) })}
            />
            <output data-testid="settings-overlay-opacity-value">{Math.round(form.draft.overlayOpacity * 100)} %</output>
          </span>
        </Field>
        <Field
          label="Left main"
          testId="settings-lm-with-lad"
          problem={form.problem('display.reportLmWithLad')}
          hint="LM is always stored separately; this only changes how it is reported (default: separately)."
        >
          <span className="settings-check">
            <input type="checkbox" data-testid="settings-lm-with-lad" checked={form.draft.reportLmWithLad} onChange={(event) => form.change({ reportLmWithLad: event.target.checked })} /> report LM together
            with the LAD
          </span>
        </Field>
      </div>
    </SettingsSection>
  );
}
