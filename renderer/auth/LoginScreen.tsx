/**
 * Log in with user name and password. The server's refusal is shown as it is worded (wrong
 * password, account locked for a while, disabled), since it says what to do next.
 */
import { useState } from 'react';
import type { LoginResponse } from '../../main/auth/authContract.js';
import { cacClient } from '../api/cacClient.js';
import { AuthCard, AuthField } from './AuthCard.js';

export function useLoginForm({ onSignedIn, onCancel, testId = 'login' }: { onSignedIn: (response: LoginResponse) => void; onCancel?: () => void; testId?: string }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async () => {
    if (busy) return;
    if (!username.trim() || !password) {
      setError('Enter your user name and password.');
      return;
    }
    setBusy(true);
    try {
      const response = await cacClient.call('auth.login', { username: username.trim(), password });
      setPassword('');
      onSignedIn(response);
    } catch (reason) {
      setError((reason as Error).message);
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  return {
    submit,
    error,
    fields: (
      <>
        <AuthField label="User name">
          <input data-testid={`${testId}-username`} autoComplete="username" autoFocus value={username} maxLength={64} onChange={(event) => setUsername(event.target.value)} />
        </AuthField>
        <AuthField label="Password">
          <input data-testid={`${testId}-password`} type="password" autoComplete="current-password" value={password} onChange={(event) => setPassword(event.target.value)} />
        </AuthField>
        <div className="auth-actions">
          <button type="submit" className="primary" data-testid={`${testId}-submit`} disabled={busy}>
            {busy ? 'Logging in…' : 'Log in'}
          </button>
          {onCancel && (
            <button type="button" data-testid={`${testId}-cancel`} disabled={busy} onClick={onCancel}>
              Cancel
            </button>
          )}
        </div>
      </>
    ),
  };
}

export function LoginScreen({ product, reason, onSignedIn }: { product: string; reason?: string; onSignedIn: (response: LoginResponse) => void }) {
  const form = useLoginForm({ onSignedIn });
  return (
    <AuthCard testId="login" product={product} title="Log in" intro={reason && <span data-testid="login-reason">{reason}</span>} error={form.error} onSubmit={() => void form.submit()}>
      {form.fields}
    </AuthCard>
  );
}
