/**
 * A fresh install: nobody can log in until the first administrator is created here (or with
 * `cac users add --admin`). There is no default password; the password is typed twice.
 */
import { useState } from 'react';
import type { LoginResponse } from '../../main/auth/authContract.js';
import { ROLE_LABELS, ROLES, type Role } from '../../main/auth/roles.js';
import { cacClient } from '../api/cacClient.js';
import { AuthCard, AuthField } from './AuthCard.js';

const EXTRA_ROLES = ROLES.filter((role) => role !== 'admin');

export function FirstAdminSetup({ product, onSignedIn }: { product: string; onSignedIn: (response: LoginResponse) => void }) {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [extra, setExtra] = useState<Role[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async () => {
    if (busy) return;
    if (password !== again) {
      setError('The two passwords are not the same: type the password again in both fields.');
      return;
    }
    setBusy(true);
    try {
      onSignedIn(await cacClient.call('auth.setupFirstAdmin', { username: username.trim(), displayName: displayName.trim(), password, roles: ['admin', ...extra] }));
    } catch (reason) {
      setError((reason as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const toggle = (role: Role, on: boolean) => setExtra((current) => (on ? [...current, role] : current.filter((entry) => entry !== role)));

  return (
    <AuthCard
      testId="first-admin"
      product={product}
      title="Create the first administrator"
      intro="This workstation has no accounts yet. The administrator adds the other users and their roles; nobody can log in before this account exists."
      error={error}
      onSubmit={() => void submit()}
    >
      <AuthField label="User name">
        <input data-testid="first-admin-username" autoComplete="username" autoFocus value={username} maxLength={32} onChange={(event) => setUsername(event.target.value)} />
      </AuthField>
      <AuthField label="Name as printed on reports">
        <input data-testid="first-admin-display-name" autoComplete="name" value={displayName} maxLength={64} onChange={(event) => setDisplayName(event.target.value)} />
      </AuthField>
      <AuthField label="Password (at least 10 characters)">
        <input data-testid="first-admin-password" type="password" autoComplete="new-password" value={password} onChange={(event) => setPassword(event.target.value)} />
      </AuthField>
      <AuthField label="Password again">
        <input data-testid="first-admin-password-again" type="password" autoComplete="new-password" value={again} onChange={(event) => setAgain(event.target.value)} />
      </AuthField>
      <fieldset className="auth-roles">
        <legend>Also works as (optional)</legend>
        {EXTRA_ROLES.map((role) => (
          <label key={role} className="checkbox">
            <input type="checkbox" data-testid={`first-admin-role-${role}`} checked={extra.includes(role)} onChange={(event) => toggle(role, event.target.checked)} />
            {ROLE_LABELS[role]}
          </label>
        ))}
      </fieldset>
      <div className="auth-actions">
        <button type="submit" className="primary" data-testid="first-admin-submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create administrator and log in'}
        </button>
      </div>
    </AuthCard>
  );
}
