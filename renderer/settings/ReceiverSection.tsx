/**
 * The DICOM receiver (C-STORE from scanners, C-MOVE results): on/off, AE title, port, the calling AE
 * titles allowed to send, how many scanners may send at once (in all and per AE title), and how long
 * a silent sender keeps its slot. It restarts when saved; its
 * status (listening, or why not) is the one the API answered with.
 */
import type { ReceiverStatus, SettingsResponse } from '../../main/api/contract.js';
import type { Settings } from '../../main/api/settings.js';
import { Field, SettingsSection } from './SettingsSection.js';
import { friendlyProblem, linesOf, numberText, parseNumber } from './settingsText.js';
import { useSettingsSection, type PatchOrProblems } from './useSettingsSection.js';

interface ReceiverDraft {
  enabled: boolean;
  aeTitle: string;
  port: string;
  allowedCallingAeTitles: string;
  maxAssociations: string;
  maxAssociationsPerCallingAe: string;
  idleTimeoutSeconds: string;
}

const fromSettings = ({ receiver }: Settings): ReceiverDraft => ({
  enabled: receiver.enabled,
  aeTitle: receiver.aeTitle,
  port: numberText(receiver.port),
  allowedCallingAeTitles: receiver.allowedCallingAeTitles.join('\n'),
  maxAssociations: numberText(receiver.maxAssociations),
  maxAssociationsPerCallingAe: numberText(receiver.maxAssociationsPerCallingAe),
  idleTimeoutSeconds: numberText(receiver.idleTimeoutSeconds),
});

function toPatch(draft: ReceiverDraft): PatchOrProblems {
  const port = parseNumber(draft.port, { integer: true });
  const maxAssociations = parseNumber(draft.maxAssociations, { integer: true });
  const maxAssociationsPerCallingAe = parseNumber(draft.maxAssociationsPerCallingAe, { integer: true });
  const idleTimeoutSeconds = parseNumber(draft.idleTimeoutSeconds, { integer: true });
  if ('problem' in port || 'problem' in maxAssociations || 'problem' in maxAssociationsPerCallingAe || 'problem' in idleTimeoutSeconds) {
    const problems = new Map<string, string>();
    if ('problem' in port) problems.set('receiver.port', port.problem);
    if ('problem' in maxAssociations) problems.set('receiver.maxAssociations', maxAssociations.problem);
    if ('problem' in maxAssociationsPerCallingAe) problems.set('receiver.maxAssociationsPerCallingAe', maxAssociationsPerCallingAe.problem);
    if ('problem' in idleTimeoutSeconds) problems.set('receiver.idleTimeoutSeconds', idleTimeoutSeconds.problem);
    return { problems };
  }
  return {
    patch: {
      receiver: {
        enabled: draft.enabled,
        aeTitle: draft.aeTitle,
        port: port.value,
        allowedCallingAeTitles: linesOf(draft.allowedCallingAeTitles),
        maxAssociations: maxAssociations.value,
        maxAssociationsPerCallingAe: maxAssociationsPerCallingAe.value,
        idleTimeoutSeconds: idleTimeoutSeconds.value,
      },
    },
  };
}

export function ReceiverStatusLine({ status }: { status?: ReceiverStatus }) {
  if (!status) return <span className="muted">status not known</span>;
  const state = status.listening ? 'listening' : status.enabled ? 'problem' : 'off';
  return (
    <span className={`settings-receiver-status settings-receiver-${state}`} data-testid="settings-receiver-status" data-state={state}>
      {status.listening
        ? `● listening as ${status.aeTitle} on port ${status.port}`
        : status.enabled
          ? `▲ not listening${status.problem ? `: ${status.problem}` : ''}`
          : '○ off (no DICOM is received)'}
    </span>
  );
}

export function ReceiverSection({ settings, status, onSaved }: { settings: Settings; status?: ReceiverStatus; onSaved: (response: SettingsResponse) => void }) {
  const form = useSettingsSection(settings, fromSettings, toPatch, onSaved);
  const { draft } = form;
  // Line numbers for the calling AE titles the API refused ("allowedCallingAeTitles.2" = the third title).
  const callingProblems = [...form.problemsUnder('receiver.allowedCallingAeTitles').entries()]
    .map(([rest, message]) => (rest.startsWith('.') ? `${linesOf(draft.allowedCallingAeTitles)[Number(rest.slice(1))] ?? `entry ${Number(rest.slice(1)) + 1}`}: ${friendlyProblem(message)}` : friendlyProblem(message)))
    .join('; ');

  return (
    <SettingsSection id="receiver" title="DICOM receiver" saveLabel="Save receiver" form={form} intro={<>Status: <ReceiverStatusLine status={status} /></>}>
      <div className="settings-grid">
        <Field label="Receiver" testId="settings-receiver-enabled" problem={form.problem('receiver.enabled')} hint="Scanners and PACS (C-MOVE) send images here.">
          <span className="settings-check">
            <input type="checkbox" data-testid="settings-receiver-enabled" checked={draft.enabled} onChange={(event) => form.change({ enabled: event.target.checked })} /> enabled
          </span>
        </Field>
        <Field label="AE title" testId="settings-receiver-ae" problem={form.problem('receiver.aeTitle')} hint="Up to 16 characters; give the same to the scanners.">
          <input data-testid="settings-receiver-ae" maxLength={16} value={draft.aeTitle} onChange={(event) => form.change({ aeTitle: event.target.value })} />
        </Field>
        <Field label="Port" testId="settings-receiver-port" problem={form.problem('receiver.port')} hint="Default 11112; ports below 1024 need administrator rights.">
          <input data-testid="settings-receiver-port" inputMode="numeric" value={draft.port} onChange={(event) => form.change({ port: event.target.value })} />
        </Field>
        <Field label="Most scanners sending at once" testId="settings-receiver-max" problem={form.problem('receiver.maxAssociations')} hint="1–64 (default 4).">
          <input data-testid="settings-receiver-max" inputMode="numeric" value={draft.maxAssociations} onChange={(event) => form.change({ maxAssociations: event.target.value })} />
        </Field>
        <Field
          label="Of those, from one AE title"
          testId="settings-receiver-max-per-caller"
          problem={form.problem('receiver.maxAssociationsPerCallingAe')}
          hint="1–64 (default 2): one misbehaving sender cannot take every slot."
        >
          <input
            data-testid="settings-receiver-max-per-caller"
            inputMode="numeric"
            value={draft.maxAssociationsPerCallingAe}
            onChange={(event) => form.change({ maxAssociationsPerCallingAe: event.target.value })}
          />
        </Field>
        <Field label="Idle timeout (seconds)" testId="settings-receiver-idle" problem={form.problem('receiver.idleTimeoutSeconds')} hint="1–600 (default 30): a silent sender is cut off and its slot freed.">
          <input data-testid="settings-receiver-idle" inputMode="numeric" value={draft.idleTimeoutSeconds} onChange={(event) => form.change({ idleTimeoutSeconds: event.target.value })} />
        </Field>
        <Field
          label="Allowed calling AE titles (one per line)"
          testId="settings-receiver-calling"
          problem={callingProblems || undefined}
          wide
          hint={
            <>
              <code>CT_SCANNER</code> from anywhere, <code>CT_SCANNER@10.0.0.5</code> from that address only.{' '}
              {linesOf(draft.allowedCallingAeTitles).length === 0 && <span className="settings-warn">Empty: any caller is accepted — fine for a first installation, not for a site.</span>}
            </>
          }
        >
          <textarea
            data-testid="settings-receiver-calling"
            rows={3}
            placeholder={'CT_SCANNER\nCT_SCANNER@10.0.0.5'}
            value={draft.allowedCallingAeTitles}
            onChange={(event) => form.change({ allowedCallingAeTitles: event.target.value })}
          />
        </Field>
      </div>
    </SettingsSection>
  );
}
