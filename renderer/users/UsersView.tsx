/**
 * The administrator's accounts (#/users): every account with its roles and state; add one (the
 * person sets their own password at first login), change roles, disable or enable (never delete:
 * the audit trail and signed reports name the account), reset a forgotten password.
 */
import { useCallback, useEffect, useState } from 'react';
import type { UserView } from '../../main/auth/authContract.js';
import { ROLE_LABELS, ROLES, type Role } from '../../main/auth/roles.js';
import { cacClient } from '../api/cacClient.js';
import { rolesText } from '../auth/useSession.js';

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function RoleChecks({ roles, onChange, testId }: { roles: Role[]; onChange: (roles: Role[]) => void; testId: string }) {
  return (
    <span className="role-checks">
      {ROLES.map((role) => (
        <label key={role} className="checkbox">
          <input
            type="checkbox"
            data-testid={`${testId}-${role}`}
            checked={roles.includes(role)}
            onChange={(event) => onChange(event.target.checked ? ROLES.filter((entry) => entry === role || roles.includes(entry)) : roles.filter((entry) => entry !== role))}
          />
          {ROLE_LABELS[role]}
        </label>
      ))}
    </span>
  );
}

function status(user: UserView): string {
  if (user.disabled) return 'disabled';
  if (user.lockedUntil && new Date(user.lockedUntil).getTime() > Date.now()) return `locked until ${when(user.lockedUntil)}`;
  return 'active';
}

export function UsersView() {
  const [users, setUsers] = useState<UserView[]>();
  const [error, setError] = useState<string>();
  const [adding, setAdding] = useState(false);

  const load = useCallback(() => {
    cacClient.call('users.list', {}).then(
      (answer) => {
        setUsers(answer.users);
        setError(undefined);
      },
      (reason: Error) => setError(`The accounts could not be read: ${reason.message}`),
    );
  }, []);
  useEffect(load, [load]);

  const replace = (user: UserView) => setUsers((current) => current?.map((entry) => (entry.id === user.id ? user : entry)));

  return (
    <div className="users-view" data-testid="users-view" data-loaded={users !== undefined}>
      <div className="toolbar">
        <h2 className="users-title">Users</h2>
        <span className="muted">Accounts are never deleted (the audit trail and signed reports name them): disable an account instead.</span>
        <span className="spacer" />
        <button className="primary" data-testid="users-add" disabled={adding} onClick={() => setAdding(true)}>
          Add user…
        </button>
        <button data-testid="users-reload" onClick={load}>
          Reload
        </button>
      </div>
      {error && (
        <div className="error" role="alert" data-testid="users-error">
          {error}
        </div>
      )}
      {adding && (
        <AddUserForm
          onAdded={(user) => {
            setUsers((current) => [...(current ?? []), user]);
            setAdding(false);
          }}
          onCancel={() => setAdding(false)}
        />
      )}
      {!users ? (
        !error && <div className="loading">Loading the accounts…</div>
      ) : (
        <table className="studies users-table" data-testid="users-table">
          <thead>
            <tr>
              <th>User name</th>
              <th>Name</th>
              <th>Roles</th>
              <th>Status</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <UserRow key={user.id} user={user} onChanged={replace} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function UserRow({ user, onChanged }: { user: UserView; onChanged: (user: UserView) => void }) {
  const [editing, setEditing] = useState<'roles' | 'password' | undefined>();
  const [roles, setRoles] = useState<Role[]>(user.roles);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();

  const run = async (action: () => Promise<{ user: UserView }>, message: string) => {
    setBusy(true);
    try {
      onChanged((await action()).user);
      setError(undefined);
      setEditing(undefined);
      setPassword('');
      setDone(message);
    } catch (reason) {
      setError((reason as Error).message);
      setDone(undefined);
    } finally {
      setBusy(false);
    }
  };

  const state = status(user);
  return (
    <>
      <tr data-testid={`user-row-${user.username}`} className={user.disabled ? 'user-disabled' : undefined}>
        <td data-testid="user-username">{user.username}</td>
        <td data-testid="user-display-name">{user.displayName}</td>
        <td data-testid="user-roles">{rolesText(user.roles)}</td>
        <td data-testid="user-status">
          <span className={`account-status account-${state.split(' ')[0]}`}>{state}</span>
          {user.mustChangePassword && (
            <span className="account-status account-must-change" data-testid="user-must-change">
              must change password
            </span>
          )}
        </td>
        <td className="muted">
          {when(user.createdAt)} by {user.createdBy}
        </td>
        <td className="row-actions">
          <button
            data-testid="user-edit-roles"
            disabled={busy}
            onClick={() => {
              setRoles(user.roles);
              setEditing(editing === 'roles' ? undefined : 'roles');
              setError(undefined);
            }}
          >
            Roles…
          </button>
          <button
            data-testid="user-reset-password"
            disabled={busy}
            onClick={() => {
              setEditing(editing === 'password' ? undefined : 'password');
              setError(undefined);
            }}
          >
            Reset password…
          </button>
          <button data-testid="user-toggle-disabled" disabled={busy} onClick={() => void run(() => cacClient.call('users.update', { userId: user.id, disabled: !user.disabled }), user.disabled ? 'Enabled.' : 'Disabled: this person can no longer log in.')}>
            {user.disabled ? 'Enable' : 'Disable'}
          </button>
        </td>
      </tr>
      {(editing || error || done) && (
        <tr className="user-detail" data-testid={`user-detail-${user.username}`}>
          <td colSpan={6}>
            {editing === 'roles' && (
              <form
                className="user-inline-form"
                onSubmit={(event) => {
                  event.preventDefault();
                  void run(() => cacClient.call('users.update', { userId: user.id, roles }), 'Roles saved.');
                }}
              >
                <RoleChecks roles={roles} onChange={setRoles} testId="user-role" />
                <button type="submit" className="primary" data-testid="user-roles-save" disabled={busy}>
                  Save roles
                </button>
                <button type="button" onClick={() => setEditing(undefined)}>
                  Cancel
                </button>
              </form>
            )}
            {editing === 'password' && (
              <form
                className="user-inline-form"
                onSubmit={(event) => {
                  event.preventDefault();
                  void run(() => cacClient.call('users.resetPassword', { userId: user.id, password }), `Password reset: give it to ${user.displayName}, who sets a new one at the next login.`);
                }}
              >
                <label className="field">
                  <span className="field-label">Temporary password (the person must change it at the next login)</span>
                  <input type="password" autoComplete="new-password" data-testid="user-new-password" value={password} onChange={(event) => setPassword(event.target.value)} />
                </label>
                <button type="submit" className="primary" data-testid="user-password-save" disabled={busy}>
                  Reset password
                </button>
                <button type="button" onClick={() => setEditing(undefined)}>
                  Cancel
                </button>
              </form>
            )}
            {error && (
              <div className="error" role="alert" data-testid="user-error">
                {error}
              </div>
            )}
            {done && !error && !editing && (
              <span className="saved" data-testid="user-done">
                ✓ {done}
              </span>
            )}
          </td>
        </tr>
      )}
    </>
  );
}

function AddUserForm({ onAdded, onCancel }: { onAdded: (user: UserView) => void; onCancel: () => void }) {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [roles, setRoles] = useState<Role[]>([]);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async () => {
    setBusy(true);
    try {
      onAdded((await cacClient.call('users.add', { username: username.trim(), displayName: displayName.trim(), roles, password })).user);
    } catch (reason) {
      setError((reason as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="panel users-add-form"
      data-testid="users-add-form"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h3>New account</h3>
      <div className="users-add-grid">
        <label className="field">
          <span className="field-label">User name</span>
          <input data-testid="users-add-username" autoFocus value={username} maxLength={32} onChange={(event) => setUsername(event.target.value)} />
        </label>
        <label className="field">
          <span className="field-label">Name as printed on reports</span>
          <input data-testid="users-add-display-name" value={displayName} maxLength={64} onChange={(event) => setDisplayName(event.target.value)} />
        </label>
        <label className="field">
          <span className="field-label">Initial password (changed by the person at first login)</span>
          <input data-testid="users-add-password" type="password" autoComplete="new-password" value={password} onChange={(event) => setPassword(event.target.value)} />
        </label>
      </div>
      <div className="field">
        <span className="field-label">Roles</span>
        <RoleChecks roles={roles} onChange={setRoles} testId="users-add-role" />
      </div>
      {error && (
        <div className="error" role="alert" data-testid="users-add-error">
          {error}
        </div>
      )}
      <div className="report-actions">
        <button type="submit" className="primary" data-testid="users-add-submit" disabled={busy}>
          {busy ? 'Adding…' : 'Add account'}
        </button>
        <button type="button" data-testid="users-add-cancel" disabled={busy} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
