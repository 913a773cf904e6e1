/**
 * The technologist's procedure notes of one study (CLINICAL.md section 5): the checklist as a form,
 * saved as a new version on top of the version it was opened with. A stale version (someone saved
 * meanwhile) is a conflict: the form keeps what was typed and offers to reload or to save on top.
 * Refusals from the API stand next to their fields; nothing typed is lost on an error.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { NotesView, ProcedureNoteVersion } from '../../main/api/contract.js';
import { BREATH_HOLD_COMPLIANCE, emptyChecklist, GATING_QUALITIES, PREGNANCY_ANSWERS, procedureAlerts, type ProcedureChecklist } from '../../main/notes/procedureChecklist.js';
import { ApiCallError, cacClient } from '../api/cacClient.js';
import { errorMessage, formatTime, problemsByField } from '../dose/doseFormat.js';
import { checklistFrom, draftFrom, YES_NO_LABEL, yesNoFrom, yesNoValue, type ChecklistDraft } from './checklistDraft.js';
import { ProcedureAlertChips } from './ProcedureAlerts.js';

const ENUM_LABEL: Record<string, string> = {
  good: 'good',
  acceptable: 'acceptable',
  poor: 'poor',
  partial: 'partly',
  'not-pregnant': 'not pregnant',
  pregnant: 'pregnant',
  'possibly-pregnant': 'possibly pregnant',
  breastfeeding: 'breastfeeding',
  'not-applicable': 'not applicable',
};

function Field({ label, error, testId, children, wide }: { label: ReactNode; error?: string; testId: string; children: ReactNode; wide?: boolean }) {
  return (
    <label className={`field${error ? ' invalid' : ''}${wide ? ' wide' : ''}`}>
      <span className="field-label">{label}</span>
      {children}
      {error && (
        <span className="field-error" data-testid={`${testId}-error`}>
          {error}
        </span>
      )}
    </label>
  );
}

function YesNo(props: { label: string; testId: string; value: boolean | null; onChange: (value: boolean | null) => void; error?: string }) {
  return (
    <Field label={props.label} testId={props.testId} error={props.error}>
      <select data-testid={props.testId} value={yesNoValue(props.value)} onChange={(event) => props.onChange(yesNoFrom(event.target.value))}>
        <option value="">not recorded</option>
        <option value="yes">yes</option>
        <option value="no">no</option>
      </select>
    </Field>
  );
}

function Choice<T extends string>(props: { label: string; testId: string; value: T | null; choices: readonly T[]; onChange: (value: T | null) => void; error?: string }) {
  return (
    <Field label={props.label} testId={props.testId} error={props.error}>
      <select data-testid={props.testId} value={props.value ?? ''} onChange={(event) => props.onChange(event.target.value === '' ? null : (event.target.value as T))}>
        <option value="">not recorded</option>
        {props.choices.map((choice) => (
          <option key={choice} value={choice}>
            {ENUM_LABEL[choice] ?? choice}
          </option>
        ))}
      </select>
    </Field>
  );
}

type Conflict = { message: string; newest?: NotesView };

/** `onNotes` hears every version the form shows (opened, saved, reloaded). */
export function ProcedureNotesForm({ studyInstanceUid, onNotes }: { studyInstanceUid: string; onNotes?: (notes: NotesView) => void }) {
  const [notes, setNotes] = useState<NotesView>();
  const [draft, setDraft] = useState<ChecklistDraft>(() => draftFrom(emptyChecklist()));
  const [baseVersion, setBaseVersion] = useState(0);
  const [loadError, setLoadError] = useState<string>();
  const [saveError, setSaveError] = useState<{ message: string; fields: Map<string, string> }>();
  const [conflict, setConflict] = useState<Conflict>();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<string>();
  const [viewed, setViewed] = useState<number>();

  // A ref, so a parent's inline callback does not make the form reload on every render.
  const onNotesRef = useRef(onNotes);
  onNotesRef.current = onNotes;
  const adopt = useCallback((view: NotesView) => {
    setNotes(view);
    setDraft(draftFrom(view.current?.checklist ?? emptyChecklist()));
    setBaseVersion(view.current?.version ?? 0);
    setConflict(undefined);
    setSaveError(undefined);
    onNotesRef.current?.(view);
  }, []);

  const load = useCallback(async () => {
    try {
      adopt(await cacClient.call('notes.get', { studyInstanceUid }));
      setLoadError(undefined);
    } catch (reason) {
      setLoadError(errorMessage(reason));
    }
  }, [studyInstanceUid, adopt]);

  useEffect(() => {
    void load();
  }, [load]);

  const update = (change: (checklist: ProcedureChecklist) => ProcedureChecklist) => {
    setDraft((current) => ({ ...current, checklist: change(current.checklist) }));
    setSaved(undefined);
  };

  const save = async () => {
    setSaving(true);
    setSaved(undefined);
    try {
      const view = await cacClient.call('notes.save', { studyInstanceUid, baseVersion, checklist: checklistFrom(draft) });
      adopt(view);
      setViewed(undefined);
      setSaved(view.current ? `Saved as version ${view.current.version} by ${view.current.author} at ${formatTime(view.current.recordedAt)}` : 'Saved');
    } catch (reason) {
      if (reason instanceof ApiCallError && reason.code === 'conflict') {
        setConflict({ message: reason.message });
        // Fetch the newest so the technologist sees what the other save holds before choosing.
        cacClient.call('notes.get', { studyInstanceUid }).then(
          (newest) => setConflict({ message: reason.message, newest }),
          () => undefined,
        );
      } else {
        const details = reason instanceof ApiCallError ? reason.details : undefined;
        setSaveError({ message: errorMessage(reason), fields: problemsByField(details, 'checklist.') });
      }
    } finally {
      setSaving(false);
    }
  };

  /** Keep what is typed and save it on top of the newest version (the other save stays in the history). */
  const keepMine = () => {
    if (!conflict?.newest) return;
    setNotes(conflict.newest);
    setBaseVersion(conflict.newest.current?.version ?? 0);
    setConflict(undefined);
  };

  const messageRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    messageRef.current?.scrollIntoView({ block: 'nearest' });
  }, [conflict, saveError]);

  const problem = (path: string) => saveError?.fields.get(path);
  const { checklist } = draft;
  // What the reader will see once saved (a heart rate still being typed counts only when it is a number).
  const typed = checklistFrom(draft);
  const draftAlerts = procedureAlerts({ ...typed, heartRateBpm: typeof typed.heartRateBpm === 'number' ? typed.heartRateBpm : null });
  const viewedVersion = notes?.versions.find((entry) => entry.version === viewed);

  return (
    <section className="panel notes-panel" data-testid="notes-panel" data-base-version={baseVersion}>
      <header className="panel-header">
        <h2>Procedure notes</h2>
        <span className="muted" data-testid="notes-current">
          {notes?.current ? `version ${notes.current.version} · ${notes.current.author} · ${formatTime(notes.current.recordedAt)}` : 'no notes recorded yet'}
        </span>
      </header>
      {loadError && (
        <div className="error" role="alert" data-testid="notes-load-error">
          Procedure notes could not be read: {loadError} <button onClick={() => void load()}>Retry</button>
        </div>
      )}
      <form
        className="checklist"
        data-testid="notes-form"
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <fieldset>
          <legend>Identity and history</legend>
          <YesNo label="Identity checked" testId="notes-identityChecked" value={checklist.identityChecked} onChange={(value) => update((c) => ({ ...c, identityChecked: value }))} error={problem('identityChecked')} />
          <YesNo label="Insurance checked" testId="notes-insuranceChecked" value={checklist.insuranceChecked} onChange={(value) => update((c) => ({ ...c, insuranceChecked: value }))} error={problem('insuranceChecked')} />
          <Field label="Medication list" testId="notes-medications" error={problem('medications')} wide>
            <textarea data-testid="notes-medications" rows={2} placeholder="e.g. metoprolol 50 mg, aspirin" value={checklist.medications} onChange={(event) => update((c) => ({ ...c, medications: event.target.value }))} />
          </Field>
        </fieldset>
        <fieldset>
          <legend>ECG and heart rate</legend>
          <YesNo label="ECG electrodes placed" testId="notes-electrodesPlaced" value={checklist.ecg.electrodesPlaced} onChange={(value) => update((c) => ({ ...c, ecg: { ...c.ecg, electrodesPlaced: value } }))} error={problem('ecg.electrodesPlaced')} />
          <Choice label="Gating quality" testId="notes-gatingQuality" value={checklist.ecg.gatingQuality} choices={GATING_QUALITIES} onChange={(value) => update((c) => ({ ...c, ecg: { ...c.ecg, gatingQuality: value } }))} error={problem('ecg.gatingQuality')} />
          <Field label="Heart rate during the scan" testId="notes-heartRate" error={problem('heartRateBpm')}>
            <span className="with-unit">
              <input data-testid="notes-heartRate" type="text" inputMode="numeric" value={draft.heartRateText} onChange={(event) => setDraft((current) => ({ ...current, heartRateText: event.target.value }))} />
              <span className="unit">bpm</span>
            </span>
          </Field>
          <YesNo label="Caffeine today" testId="notes-caffeineToday" value={checklist.caffeine.caffeineToday} onChange={(value) => update((c) => ({ ...c, caffeine: { ...c.caffeine, caffeineToday: value } }))} error={problem('caffeine.caffeineToday')} />
          <YesNo label="Fast heart rate" testId="notes-fastHeartRate" value={checklist.caffeine.fastHeartRate} onChange={(value) => update((c) => ({ ...c, caffeine: { ...c.caffeine, fastHeartRate: value } }))} error={problem('caffeine.fastHeartRate')} />
        </fieldset>
        <fieldset>
          <legend>Breath-hold (about 10 s)</legend>
          <YesNo label="Instructions given" testId="notes-breathHoldInstructed" value={checklist.breathHold.instructed} onChange={(value) => update((c) => ({ ...c, breathHold: { ...c.breathHold, instructed: value } }))} error={problem('breathHold.instructed')} />
          <Choice label="Followed" testId="notes-breathHoldCompliance" value={checklist.breathHold.compliance} choices={BREATH_HOLD_COMPLIANCE} onChange={(value) => update((c) => ({ ...c, breathHold: { ...c.breathHold, compliance: value } }))} error={problem('breathHold.compliance')} />
        </fieldset>
        <fieldset>
          <legend>Safety</legend>
          <YesNo label="Metal removed (necklaces, underwire bras …)" testId="notes-metalRemoved" value={checklist.metalRemoved} onChange={(value) => update((c) => ({ ...c, metalRemoved: value }))} error={problem('metalRemoved')} />
          <YesNo label="Pregnancy / breastfeeding asked" testId="notes-pregnancyAsked" value={checklist.pregnancy.asked} onChange={(value) => update((c) => ({ ...c, pregnancy: { ...c.pregnancy, asked: value } }))} error={problem('pregnancy.asked')} />
          <Choice label="Answer" testId="notes-pregnancyAnswer" value={checklist.pregnancy.answer} choices={PREGNANCY_ANSWERS} onChange={(value) => update((c) => ({ ...c, pregnancy: { ...c.pregnancy, answer: value } }))} error={problem('pregnancy.answer')} />
          <YesNo label="Contrast given (normally no: no IV line)" testId="notes-contrastGiven" value={checklist.contrastGiven} onChange={(value) => update((c) => ({ ...c, contrastGiven: value }))} error={problem('contrastGiven')} />
        </fieldset>
        <fieldset>
          <legend>Claustrophobia / anxiety and completion</legend>
          <YesNo label="Claustrophobia or anxiety" testId="notes-anxietyPresent" value={checklist.anxiety.present} onChange={(value) => update((c) => ({ ...c, anxiety: { ...c.anxiety, present: value } }))} error={problem('anxiety.present')} />
          <Field label="What helped" testId="notes-whatHelped" error={problem('anxiety.whatHelped')} wide>
            <input data-testid="notes-whatHelped" type="text" placeholder="e.g. talking through the intercom, eyes closed" value={checklist.anxiety.whatHelped} onChange={(event) => update((c) => ({ ...c, anxiety: { ...c.anxiety, whatHelped: event.target.value } }))} />
          </Field>
          <YesNo label="Scan completed" testId="notes-scanCompleted" value={checklist.scanCompleted} onChange={(value) => update((c) => ({ ...c, scanCompleted: value }))} error={problem('scanCompleted')} />
          <Field label="Time in room" testId="notes-timeInRoom" error={problem('timeInRoomMinutes')}>
            <span className="with-unit">
              <input data-testid="notes-timeInRoom" type="text" inputMode="decimal" value={draft.timeInRoomText} onChange={(event) => setDraft((current) => ({ ...current, timeInRoomText: event.target.value }))} />
              <span className="unit">min</span>
            </span>
          </Field>
        </fieldset>
        <fieldset className="wide">
          <legend>Free text</legend>
          <Field label="Notes for the reader" testId="notes-freeText" error={problem('freeText')} wide>
            <textarea data-testid="notes-freeText" rows={3} value={checklist.freeText} onChange={(event) => update((c) => ({ ...c, freeText: event.target.value }))} />
          </Field>
        </fieldset>
        {/* Beside the save button, where the technologist looks after saving. */}
        {conflict && (
          <div ref={messageRef} className="error conflict" role="alert" data-testid="notes-conflict">
            <div>
              {conflict.message}
              {conflict.newest?.current ? ` — the newest is version ${conflict.newest.current.version} by ${conflict.newest.current.author} at ${formatTime(conflict.newest.current.recordedAt)}.` : ''}
            </div>
            <div className="actions">
              <button type="button" data-testid="notes-conflict-reload" onClick={() => void load()}>
                Reload the newest version (discard my changes)
              </button>
              <button type="button" data-testid="notes-conflict-keep" disabled={!conflict.newest} onClick={keepMine}>
                Keep my changes and save them as the next version
              </button>
            </div>
          </div>
        )}
        {saveError && (
          <div ref={messageRef} className="error" role="alert" data-testid="notes-save-error">
            Not saved: {saveError.fields.size > 0 ? 'correct the marked fields.' : saveError.message}
            {saveError.fields.size > 0 && (
              <ul>
                {[...saveError.fields].map(([field, message]) => (
                  <li key={field}>{message}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        <div className="form-footer">
          <ProcedureAlertChips alerts={draftAlerts} />
          <span className="spacer" />
          {saved && (
            <span className="saved" role="status" data-testid="notes-saved">
              {saved}
            </span>
          )}
          <button type="submit" className="primary" data-testid="notes-save" disabled={saving || !notes || conflict !== undefined}>
            {saving ? 'Saving…' : baseVersion === 0 ? 'Save notes' : `Save as version ${baseVersion + 1}`}
          </button>
        </div>
      </form>
      <div className="versions" data-testid="notes-versions">
        <h3>History</h3>
        {notes && notes.versions.length === 0 && <div className="muted">No versions yet.</div>}
        <ul>
          {notes?.versions.map((entry) => (
            <li key={entry.version}>
              <button
                data-testid="notes-version"
                data-version={entry.version}
                className={viewed === entry.version ? 'active' : undefined}
                onClick={() => setViewed((current) => (current === entry.version ? undefined : entry.version))}
              >
                Version {entry.version} · {entry.author} · {formatTime(entry.recordedAt)}
                {entry.version === notes.current?.version ? ' (current)' : ''}
              </button>
            </li>
          ))}
        </ul>
        {viewedVersion && <ChecklistSummary note={viewedVersion} />}
      </div>
    </section>
  );
}

/** One saved version, read-only. */
export function ChecklistSummary({ note }: { note: ProcedureNoteVersion }) {
  const c = note.checklist;
  const rows: Array<[string, string]> = [
    ['Identity checked', YES_NO_LABEL(c.identityChecked)],
    ['Insurance checked', YES_NO_LABEL(c.insuranceChecked)],
    ['Medications', c.medications || '—'],
    ['ECG electrodes placed', YES_NO_LABEL(c.ecg.electrodesPlaced)],
    ['Gating quality', c.ecg.gatingQuality ?? 'not recorded'],
    ['Heart rate', c.heartRateBpm === null ? 'not recorded' : `${c.heartRateBpm} bpm`],
    ['Breath-hold instructed', YES_NO_LABEL(c.breathHold.instructed)],
    ['Breath-hold followed', c.breathHold.compliance ?? 'not recorded'],
    ['Metal removed', YES_NO_LABEL(c.metalRemoved)],
    ['Pregnancy asked', YES_NO_LABEL(c.pregnancy.asked)],
    ['Pregnancy answer', c.pregnancy.answer ? (ENUM_LABEL[c.pregnancy.answer] ?? c.pregnancy.answer) : 'not recorded'],
    ['Contrast given', YES_NO_LABEL(c.contrastGiven)],
    ['Caffeine today', YES_NO_LABEL(c.caffeine.caffeineToday)],
    ['Fast heart rate', YES_NO_LABEL(c.caffeine.fastHeartRate)],
    ['Claustrophobia / anxiety', YES_NO_LABEL(c.anxiety.present)],
    ['What helped', c.anxiety.whatHelped || '—'],
    ['Scan completed', YES_NO_LABEL(c.scanCompleted)],
    ['Time in room', c.timeInRoomMinutes === null ? 'not recorded' : `${c.timeInRoomMinutes} min`],
    ['Free text', c.freeText || '—'],
  ];
  return (
    <div className="checklist-summary" data-testid="notes-version-view" data-version={note.version}>
      <div className="muted">
        Version {note.version} by {note.author} at {formatTime(note.recordedAt)}
      </div>
      <dl>
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
