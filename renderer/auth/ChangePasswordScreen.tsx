/**
 * A new password before anything else: after an administrator created the account or reset its
 * password, the person sets their own (the server refuses every other call until then).
 */
import { useState } from 'react';
import type { SessionView } from '../../main/auth/authContract.js';
import { cacClient } from '../api/cacClient.js';
import { AuthCard, AuthField } from './AuthCard.js';

export function ChangePasswordScreen({ product, session, onChanged, onLogOut }: { product: string; session: SessionView; onChanged: (session: SessionView) => void; onLogOut: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async () => {
    if (busy) return;
    if (next !== again) {
      setError('The two new passwords are not the same: type the new password again in both fields.');
      return;
    }
    if (next && next === current) {
      setError('Choose a new password that differs from the one the administrator gave you.');
      return;
    }
    setBusy(true);
    try {
      onChanged((await cacClient.call('auth.changePassword', { currentPassword: current, newPassword: next })).session);
    } catch (reason) {
      setError((reason as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    // Over the workspace (hidden; not yet mounted at a first login), like the lock screen.
    <AuthCard
      overlay
      testId="change-password"
      product={product}
      title="Set your own password"
      intro={
        <>
          <strong data-testid="change-password-user">{session.user.displayName}</strong>, the password you were given was set by an administrator: choose your own before you go on.
        </>
      }
      error={error}
      onSubmit={() => void submit()}
    >
      <AuthField label="Current password">
        <input data-testid="change-password-current" type="password" autoComplete="current-password" autoFocus value={current} onChange={(event) => setCurrent(event.target.value)} />
      </AuthField>
      <AuthField label="New password (at least 10 characters, not a common one)">
        <input data-testid="change-password-new" type="password" autoComplete="new-password" value={next} onChange={(event) => setNext(event.target.value)} />
      </AuthField>
      <AuthField label="New password again">
        <input data-testid="change-password-again" type="password" autoComplete="new-password" value={again} onChange={(event) => setAgain(event.target.value)} />
      </AuthField>
      <div className="auth-actions">
        <button type="submit" className="primary" data-testid="change-password-submit" disabled={busy}>
          {busy ? 'Saving…' : 'Set password and continue'}
        </button>
        <button type="button" data-testid="change-password-logout" disabled={busy} onClick={onLogOut}>
          Log out
        </button>
      </div>
    </AuthCard>
  );
}
