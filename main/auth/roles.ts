/**
 * The roles a workstation account may hold (a person may hold several) and who may do what in
 * words. Browser-safe: the renderer shows the same names and hides what a role cannot do.
 */
export const ROLES = ['technologist', 'radiologist', 'cardiologist', 'physicist', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Physicians reading the study: the only roles that may sign or amend a report. */
export const SIGNING_ROLES: readonly Role[] = ['radiologist', 'cardiologist'];
/** Everyone who works with patient data (an admin alone manages accounts and the archive, not studies). */
export const CLINICAL_ROLES: readonly Role[] = ['technologist', 'radiologist', 'cardiologist', 'physicist'];

export const ROLE_LABELS: Record<Role, string> = {
  technologist: 'Technologist',
  radiologist: 'Radiologist',
  cardiologist: 'Cardiologist',
  physicist: 'Medical physicist',
  admin: 'Administrator',
};

export function holdsAnyRole(roles: readonly Role[], allowed: readonly Role[]): boolean {
  return roles.some((role) => allowed.includes(role));
}

/**
 * Who may call an API channel: 'public' before login (login, first-admin set-up, app name),
 * 'signed-in' any logged-in account, or the roles listed. Checked in main for both transports.
 */
export type ChannelAccess = 'public' | 'signed-in' | readonly Role[];
