/**
 * Who signs and the site, from the report panel: the signer is the signed-in account (log in as
 * another user from the lock screen to hand over); the site header and automatic sending are
 * shown read-only: they are site settings (Settings → Report).
 */
import type { Settings } from '../../main/api/settings.js';
import { ROLE_LABELS, SIGNING_ROLES } from '../../main/auth/roles.js';
import { useOptionalSession } from '../auth/useSession.js';

export function ReportSettings({ settings }: { settings: Settings; onSaved?: (settings: Settings) => void }) {
  const session = useOptionalSession()?.session;
  const signingRoles = session?.user.roles.filter((role) => SIGNING_ROLES.includes(role)) ?? [];
  return (
    <section className="report-section report-settings" data-testid="report-settings">
      <h3>Signer</h3>
      <p data-testid="report-signer-summary">
        {session ? (
          <>
            <strong>{session.user.displayName}</strong> ({session.user.username})
            {signingRoles.length ? `, signs as ${signingRoles.map((role) => ROLE_LABELS[role]).join(' or ')}` : ': this account does not sign reports (radiologists and cardiologists do)'}.
          </>
        ) : (
          'The signed-in physician.'
        )}
      </p>
      <p className="muted">Another physician signs after logging in as themselves (Lock, then “Log in as another user”).</p>
      <h3>Site</h3>
      <dl className="report-site-summary" data-testid="report-site-summary">
        <div>
          <dt>Header</dt>
          <dd>{settings.report.siteName ? `${settings.report.siteName}${settings.report.siteAddress ? `, ${settings.report.siteAddress}` : ''}` : 'no site name set'}</dd>
        </div>
        <div>
          <dt>Sent on signing to</dt>
          <dd>{settings.report.sendTo.length ? settings.report.sendTo.join(', ') : 'no PACS (send by hand from Delivery)'}</dd>
        </div>
      </dl>
      <p className="muted">
        Site name, address, automatic sending and the CAC-DRS wording are site settings: <a href="#/settings">Settings → Report</a> (leaves the reading; it reopens as saved).
      </p>
    </section>
  );
}
