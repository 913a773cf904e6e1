/**
 * The procedure alerts a reader must see before reading (claustrophobia, incomplete scan ...): as
 * chips in the worklist, and as a banner above the reading view (fetched from notes.get).
 */
import { useEffect, useState } from 'react';
import { cacClient } from '../api/cacClient.js';

export function ProcedureAlertChips({ alerts }: { alerts: readonly string[] }) {
  if (alerts.length === 0) return null;
  return (
    <span className="procedure-alerts" data-testid="procedure-alerts">
      {alerts.map((alert) => (
        <span key={alert} className="alert-chip" title="From the technologist's procedure notes">
          ⚠ {alert}
        </span>
      ))}
    </span>
  );
}

/** The banner of the reading view: nothing when the notes raise no alert (or cannot be read). */
export function ProcedureAlertBanner({ studyInstanceUid }: { studyInstanceUid: string }) {
  const [alerts, setAlerts] = useState<string[]>([]);
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    let cancelled = false;
    cacClient.call('notes.get', { studyInstanceUid }).then(
      (notes) => {
        if (!cancelled) setAlerts(notes.alerts);
      },
      (reason: Error) => {
        if (!cancelled) setProblem(reason.message);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [studyInstanceUid]);

  if (problem) {
    return (
      <div className="procedure-banner unknown" data-testid="procedure-banner-problem">
        Procedure notes could not be read: {problem}
      </div>
    );
  }
  if (alerts.length === 0) return null;
  return (
    <div className="procedure-banner" role="alert" data-testid="procedure-banner">
      <strong>Technologist’s notes:</strong>
      {alerts.map((alert) => (
        <span key={alert} className="alert-chip">
          ⚠ {alert}
        </span>
      ))}
    </div>
  );
}
