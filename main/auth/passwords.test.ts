import { describe, expect, it } from 'vitest';
import { CURRENT_PARAMETERS, hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, needsRehash, parseHash, passwordProblem, verifyPassword } from './passwords.js';

const GOOD = 'Tr0ub4dour-&-3-horses';
/** Cheaper than today's parameters: what an older version of the workstation might have stored. */
const WEAKER = { N: 2 ** 12, r: 8, p: 1, keyLength: 32 };

describe('password hashes', () => {
  it('carries its parameters and a per-password salt: "scrypt$N$r$p$keyLength$salt$hash"', async () => {
    const stored = await hashPassword(GOOD);
    const parts = stored.split('$');
    expect(parts).toHaveLength(7);
    expect(parts.slice(0, 5)).toEqual(['scrypt', String(CURRENT_PARAMETERS.N), String(CURRENT_PARAMETERS.r), String(CURRENT_PARAMETERS.p), String(CURRENT_PARAMETERS.keyLength)]);
    const parsed = parseHash(stored)!;
    expect(parsed.parameters).toEqual(CURRENT_PARAMETERS);
    expect(parsed.salt).toHaveLength(16);
    expect(parsed.key).toHaveLength(CURRENT_PARAMETERS.keyLength);
    expect(stored).not.toContain(GOOD);
    // The same password twice: two salts, two hashes.
    const again = await hashPassword(GOOD);
    expect(again).not.toBe(stored);
    expect(parseHash(again)!.salt.equals(parsed.salt)).toBe(false);
  });

  it('verifies the right password and refuses a wrong one, a near miss and a malformed hash', async () => {
    const stored = await hashPassword(GOOD);
    expect(await verifyPassword(GOOD, stored)).toBe(true);
    expect(await verifyPassword('Tr0ub4dour-&-3-horse', stored)).toBe(false);
    expect(await verifyPassword(GOOD.toUpperCase(), stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
    expect(await verifyPassword(GOOD, 'plain text')).toBe(false);
    expect(await verifyPassword(GOOD, stored.replace(/^scrypt/, 'md5'))).toBe(false);
    expect(await verifyPassword(GOOD, 'scrypt$0$8$1$32$c2FsdA$a2V5')).toBe(false);
    expect(await verifyPassword('x'.repeat(MAX_PASSWORD_LENGTH + 1), stored)).toBe(false);
  });

  it('treats the same text in another Unicode form as the same password (NFKC)', async () => {
    const composed = 'Crème-brûlée-42!';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    expect(await verifyPassword(decomposed, await hashPassword(composed))).toBe(true);
  });

  it('still verifies a hash made with weaker parameters, and needsRehash says it should be raised', async () => {
    const old = await hashPassword(GOOD, WEAKER);
    expect(parseHash(old)!.parameters).toEqual(WEAKER);
    expect(await verifyPassword(GOOD, old)).toBe(true);
    expect(await verifyPassword('wrong password here', old)).toBe(false);
    expect(needsRehash(old)).toBe(true);
    expect(needsRehash(await hashPassword(GOOD, { ...CURRENT_PARAMETERS, keyLength: 16 }))).toBe(true);
    expect(needsRehash(await hashPassword(GOOD))).toBe(false);
    expect(needsRehash('not a hash')).toBe(true);
  });
});

describe('passwordProblem', () => {
  const person = { username: 'asmith', displayName: 'Anna Smith' };

  it('accepts a long, uncommon password', () => {
    expect(passwordProblem(GOOD, person)).toBeUndefined();
    expect(passwordProblem('calcium-lantern-91', person)).toBeUndefined();
  });

  it(`needs at least ${MIN_PASSWORD_LENGTH} characters and at most ${MAX_PASSWORD_LENGTH}`, () => {
    expect(passwordProblem('Xq7!vB2#k', person)).toMatch(/at least 10 characters/);
    expect(passwordProblem('Xq7!vB2#kZ', person)).toBeUndefined();
    expect(passwordProblem('Xq7!vB2#kZ'.repeat(26), person)).toMatch(/at most 256 characters/);
  });

  it('refuses the common passwords, in any case and with digits or signs appended', () => {
    for (const common of ['password123', 'Password1234', 'qwertyuiop', 'Radiologist', 'administrator', 'changeme123', 'welcome123', 'hospital2024!', 'Workstation!!']) {
      expect(passwordProblem(common, person), common).toMatch(/most common/);
    }
  });

  it('refuses one character repeated', () => {
    expect(passwordProblem('zzzzzzzzzzzz', person)).toMatch(/repeated/);
    expect(passwordProblem('%%%%%%%%%%', person)).toMatch(/repeated/);
  });

  it('refuses a run of consecutive characters, up or down', () => {
    expect(passwordProblem('abcdefghijklm', person)).toMatch(/consecutive/);
    expect(passwordProblem('9876543210', person)).toMatch(/consecutive/);
    expect(passwordProblem('lmnopqrstuvw', person)).toMatch(/consecutive/);
  });

  it("refuses the user name or the person's own name inside the password", () => {
    expect(passwordProblem('asmith-2026-xyz', person)).toMatch(/user name or the person's name/);
    expect(passwordProblem('my-name-is-ANNA-ok', person)).toMatch(/user name or the person's name/);
    expect(passwordProblem('hello-Smith-family', person)).toMatch(/user name or the person's name/);
    // Name parts shorter than 3 letters are not checked (they would refuse too much).
    expect(passwordProblem('pale-ox-river-71', { username: 'ox', displayName: 'Li Ox' })).toBeUndefined();
  });
});
