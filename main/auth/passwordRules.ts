/** Password length rules, shared by the contract (browser-safe) and main's checks. */
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;
