/**
 * The static half of "Security tests of the shell and host" (issue 11): no SQL built from values, no
 * raw HTML, no shell with input, anywhere in product code (main/, db/, native-worker/, renderer/).
 * Each rule is first shown to fail on a planted violation, so a silent rule cannot pass for a clean tree.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { lintProduct, lintSource, SQL_ALLOWED, type LintFinding } from '../support/securityLint.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const violations = (findings: LintFinding[]) => findings.filter((finding) => finding.allowedBecause === undefined);
const rules = (source: string, file = 'main/planted.ts') => violations(lintSource(file, source)).map((finding) => finding.rule);

describe('security lint rules catch planted violations', () => {
  it('sql: a value spliced into SQL text fails, in a template, by concatenation, through a variable or a parameter', () => {
    expect(rules('function f(db, id) { return db.prepare(`SELECT * FROM studies WHERE id = ${id}`).get(); }')).toEqual(['sql']);
    expect(rules("function f(db, name) { db.exec('DELETE FROM patients WHERE name = ' + name); }")).toEqual(['sql']);
    expect(rules('function f(db, uid) { const sql = `SELECT * FROM series WHERE uid = \'${uid}\'`; return db.prepare(sql).all(); }')).toEqual(['sql']);
    expect(rules('function f(db, sql) { return db.prepare(sql).all(); }')).toEqual(['sql']);
    expect(rules('function f(db, column) { const where = []; where.push(`${column} = ?`); return db.prepare(`SELECT 1 WHERE ${where.join(" AND ")}`).all(); }')).toEqual(['sql']);
    expect(rules('function f(db, v) { let sql = "SELECT 1"; sql = sql + v; return db.prepare(sql).all(); }')).toEqual(['sql']);
    expect(rules('function f(store, n) { store.db.pragma(`user_version = ${n}`); }')).toEqual(['sql']);
    expect(rules('function f(values, db) { return db.prepare(`SELECT 1 WHERE x IN (${values.map((v) => v).join(",")})`).all(); }')).toEqual(['sql']);
  });

  it('sql: constants, bound parameters, constant WHERE fragments and placeholder lists pass; RegExp#exec is not SQL', () => {
    const clean = `
      const COLUMNS = 'id, name';
      const SELECT = \`SELECT \${COLUMNS} FROM studies\`;
      function find(db, id, filter, statuses) {
        const where = [];
        if (filter.name) where.push('name = ?');
        if (statuses) where.push(\`status IN (\${statuses.map(() => '?').join(', ')})\`);
        const scope = id === undefined ? '' : ' AND id = ?';
        db.prepare(\`\${SELECT}\${where.length ? \` WHERE \${where.join(' AND ')}\` : ''}\${scope}\`).all(id);
        db.prepare(\`\${COLUMNS.replace(/id/g, 's.id')}\`).all();
        return /WHERE (\\w+)/.exec(\`\${id}\`);
      }`;
    expect(violations(lintSource('db/clean.ts', clean))).toEqual([]);
  });

  it('html: innerHTML, outerHTML, dangerouslySetInnerHTML, insertAdjacentHTML and document.write fail', () => {
    expect(rules('export function show(el, text) { el.innerHTML = text; }')).toEqual(['html']);
    expect(rules('export function show(el, text) { el["outerHTML"] = text; }')).toEqual(['html']);
    expect(rules('export const Note = ({ text }) => <div dangerouslySetInnerHTML={{ __html: text }} />;', 'renderer/Note.tsx')).toEqual(['html']);
    expect(rules("export function show(el, text) { el.insertAdjacentHTML('beforeend', text); }")).toEqual(['html']);
    expect(rules('export function show(text) { document.write(text); }')).toEqual(['html']);
    expect(rules('export function show(el, text) { el.textContent = text; }')).toEqual([]);
  });

  it('shell: exec/execSync, and spawn/execFile with shell set, fail; argument arrays pass', () => {
    expect(rules("import { exec } from 'node:child_process'; export const run = (file) => exec(`dcmdump ${file}`);")).toEqual(['shell']);
    expect(rules("import { execSync as run } from 'child_process'; export const go = (f) => run('ls ' + f);")).toEqual(['shell']);
    expect(rules("import * as cp from 'node:child_process'; export const go = (f) => cp.spawn('dcmdump', [f], { shell: true });")).toEqual(['shell']);
    expect(rules("import { execFile } from 'node:child_process'; export const go = (f, shell) => execFile('dcmdump', [f], { shell });")).toEqual(['shell']);
    expect(rules("const { exec } = require('child_process'); exec('ls');", 'main/planted.cjs')).toEqual(['shell']);
    expect(rules("import { spawn, execFile } from 'node:child_process'; export const go = (f) => [spawn('dcmdump', [f], { shell: false }), execFile('storescu', ['-aec', f])];")).toEqual([]);
  });
});

describe('product code', () => {
  const { files, findings } = lintProduct(ROOT);

  it('scans the product folders', () => {
    expect(files).toBeGreaterThan(100);
  });

  it('builds no SQL from values, writes no raw HTML and runs no shell', () => {
    const report = violations(findings).map((finding) => `${finding.file}:${finding.line} [${finding.rule}] ${finding.message}`);
    expect(report).toEqual([]);
  });

  it('every allowed SQL site still exists, so the allow-list cannot go stale', () => {
    for (const entry of SQL_ALLOWED) {
      expect(
        findings.some((finding) => finding.file === entry.file && finding.text === entry.text),
        `${entry.file}: "${entry.text}" is on SQL_ALLOWED but no longer in the code: remove it from the list`,
      ).toBe(true);
    }
  });
});
