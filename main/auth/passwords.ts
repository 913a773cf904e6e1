/**
 * Password hashing with scrypt (node:crypto): a random salt per password, and the cost parameters
 * stored with the hash ("scrypt$N$r$p$keyLength$salt$hash") so a later version can raise them and
 * still verify old hashes (and rehash them at the next login). Plus the rules a new password must meet.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { COMMON_PASSWORDS } from './commonPasswords.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './passwordRules.js';
export { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH };

export interface ScryptParameters {
  N: number;
  r: number;
  p: number;
  keyLength: number;
}

/** About 60-100 ms and 32 MiB on the workstation: slow for a guesser, quick enough for signing. */
export const CURRENT_PARAMETERS: ScryptParameters = { N: 2 ** 15, r: 8, p: 1, keyLength: 32 };

function scrypt(password: string, salt: Buffer, parameters: ScryptParameters): Promise<Buffer> {
  const options: ScryptOptions = { N: parameters.N, r: parameters.r, p: parameters.p, maxmem: 256 * parameters.N * parameters.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFKC'), salt, parameters.keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string, parameters: ScryptParameters = CURRENT_PARAMETERS): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, parameters);
  return ['scrypt', parameters.N, parameters.r, parameters.p, parameters.keyLength, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export function parseHash(stored: string): { parameters: ScryptParameters; salt: Buffer; key: Buffer } | undefined {
  const parts = stored.split('$');
  if (parts.length !== 7 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p, keyLength] = parts.slice(1, 5).map(Number);
  if (![N, r, p, keyLength].every((value) => Number.isSafeInteger(value) && value > 0)) return undefined;
  return { parameters: { N, r, p, keyLength }, salt: Buffer.from(parts[5], 'base64url'), key: Buffer.from(parts[6], 'base64url') };
}

/** True when the password matches; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed || password.length > MAX_PASSWORD_LENGTH) return false;
  const key = await scrypt(password, parsed.salt, parsed.parameters);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** The stored hash uses weaker parameters than today's: rehash it after the next successful login. */
export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return true;
  const { N, r, p, keyLength } = parsed.parameters;
  return N < CURRENT_PARAMETERS.N || r < CURRENT_PARAMETERS.r || p < CURRENT_PARAMETERS.p || keyLength < CURRENT_PARAMETERS.keyLength;
}

/** Why a new password is not acceptable, in words; undefined when it is. */
export function passwordProblem(password: string, context: { username: string; displayName?: string }): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `a password has at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `a password has at most ${MAX_PASSWORD_LENGTH} characters`;
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower) || COMMON_PASSWORDS.has(lower.replace(/[0-9!@#$%^&*.?_-]+$/, ''))) return 'this password is one of the most common ones: choose another';
  if (/^(.)\1+$/.test(password)) return 'a password cannot be one character repeated';
  if (isSequence(lower)) return 'a password cannot be a run of consecutive characters';
  const names = [context.username, ...(context.displayName ?? '').split(/\s+/)].map((name) => name.toLowerCase()).filter((name) => name.length >= 3);
  if (names.some((name) => lower.includes(name))) return 'a password cannot contain the user name or the person\'s name';
  return undefined;
}

function isSequence(text: string): boolean {
  let ascending = true;
  let descending = true;
  for (let index = 1; index < text.length; index++) {
    const step = text.charCodeAt(index) - text.charCodeAt(index - 1);
    if (step !== 1) ascending = false;
    if (step !== -1) descending = false;
  }
  return ascending || descending;
}
