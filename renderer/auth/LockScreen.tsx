/**
 * The locked workstation, drawn over the workspace (which stays mounted, hidden): the same person
 * unlocks with the password and is back where they were; someone else logs in, which ends the
 * first session and closes that person's work.
 */
import { useState } from 'react';
import type { LoginResponse, SessionView } from '../../main/auth/authContract.js';
import { cacClient } from '../api/cacClient.js';
import { AuthCard, AuthField } from './AuthCard.js';
import { useLoginForm } from './LoginScreen.js';
import { rolesText } from './useSession.js';

export function LockScreen({
  product,
  session,
  onUnlocked,
  onOtherUser,
}: {
  product: string;
  session: SessionView;
  onUnlocked: (session: SessionView) => void;
  onOtherUser: (response: LoginResponse) => void;
}) {
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [other, setOther] = useState(false);
  const otherForm = useLoginForm({ onSignedIn: onOtherUser, onCancel: () => setOther(false), testId: 'lock-other' });

  const unlock = async () => {
    if (busy) return;
    if (!password) {
      setError('Enter your password to unlock.');
      return;
    }
    setBusy(true);
    try {
      const answer = await cacClient.call('auth.unlock', { password });
      setPassword('');
      onUnlocked(answer.session);
    } catch (reason) {
      setError((reason as Error).message);
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  if (other) {
    return (
      <AuthCard
        overlay
        testId="lock"
        product={product}
        title="Log in as another user"
        intro={`${session.user.displayName}'s session ends and the open work is closed (what was saved stays saved).`}
        error={otherForm.error}
        onSubmit={() => void otherForm.submit()}
      >
        {otherForm.fields}
      </AuthCard>
    );
  }

  return (
    <AuthCard
      overlay
      testId="lock"
      product={product}
      title="Workstation locked"
      intro={
        <>
          In use by <strong data-testid="lock-user">{session.user.displayName}</strong> ({session.user.username}, {rolesText(session.user.roles)}). The open work is kept until they unlock.
        </>
      }
      error={error}
      onSubmit={() => void unlock()}
    >
      <AuthField label={`Password of ${session.user.username}`}>
        <input data-testid="lock-password" type="password" autoComplete="current-password" autoFocus value={password} onChange={(event) => setPassword(event.target.value)} />
      </AuthField>
      <div className="auth-actions">
        <button type="submit" className="primary" data-testid="lock-unlock" disabled={busy}>
          {busy ? 'Unlocking…' : 'Unlock'}
        </button>
        <button
          type="button"
          className="link"
          data-testid="lock-other-user"
          disabled={busy}
          onClick={() => {
            setError(undefined);
            setOther(true);
          }}
        >
          Log in as another user
        </button>
      </div>
    </AuthCard>
  );
}
