/**
 * Test helpers around the real validators and dumpers (dicom3tools dciodvfy, dcmtk dsrdump, dcmdump,
 * dcm2pdf), so the report objects are judged by tools that share no code with the writer.
 * Test-only: nothing in the app imports this.
 */
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { ARTERIES, type Artery } from '../../../../native-worker/scoring/arteries.js';
import { ARTERY_CODES, SR_CODES } from '../srCodes.js';

export interface ToolRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runTool(tool: string, args: string[]): ToolRun {
  const run = spawnSync(tool, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

export interface Verdict {
  errors: string[];
  warnings: string[];
  output: string;
}

/** dciodvfy's verdict: its "Error" and "Warning" lines (it writes them to stderr). */
export function dciodvfy(file: string): Verdict {
  const run = runTool('dciodvfy', [file]);
  const output = `${run.stdout}\n${run.stderr}`;
  const lines = output.split('\n').map((line) => line.trim());
  return {
    errors: lines.filter((line) => /^Error/i.test(line)),
    warnings: [...new Set(lines.filter((line) => /^Warning/i.test(line)))],
    output,
  };
}

/** One content item as dsrdump prints it with +Pc (all codes). */
export interface DumpItem {
  relationship: string;
  valueType: string;
  concept: { value: string; scheme: string; meaning: string };
  /** The text after "=": a quoted string, a code "(v,s,"m")" or a NUM '"1.5" (unit,UCUM,"...")'. */
  rawValue: string;
  children: DumpItem[];
}

const ITEM_LINE = /^( *)<(?:([a-z ]+?) )?([A-Z0-9]+):\(([^,]*),([^,]*),"((?:[^"\\]|\\.)*)"\)(?:=(.*))?>$/;

/** dsrdump's content tree (options +Pc +Pl -Ph), parsed by indentation. */
export function dsrdumpTree(file: string): { items: DumpItem[]; stderr: string; output: string } {
  const run = runTool('dsrdump', ['+Pc', '+Pl', '-Ph', file]);
  if (run.status !== 0) throw new Error(`dsrdump failed (${run.status}): ${run.stderr}`);
  const root: DumpItem[] = [];
  const stack: Array<{ indent: number; item: DumpItem }> = [];
  for (const line of run.stdout.split('\n')) {
    const match = ITEM_LINE.exec(line);
    if (!match) continue;
    const item: DumpItem = {
      relationship: match[2] ?? '',
      valueType: match[3],
      concept: { value: match[4], scheme: match[5], meaning: match[6] },
      rawValue: match[7] ?? '',
      children: [],
    };
    const indent = match[1].length;
    while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
    (stack.length ? stack[stack.length - 1].item.children : root).push(item);
    stack.push({ indent, item });
  }
  return { items: root, stderr: run.stderr, output: run.stdout };
}

/** The number and unit of a dsrdump NUM value: "112.4375" (1,UCUM,"no units"). */
export function dumpNumber(item: DumpItem): { value: number; unit: string } {
  const match = /^"([^"]*)" \(([^,]*),/.exec(item.rawValue);
  if (!match) throw new Error(`not a NUM value: ${item.rawValue}`);
  return { value: Number(match[1]), unit: match[2] };
}

/** The code of a dsrdump CODE value: (3227004,SCT,"..."). */
export function dumpCode(item: DumpItem): { value: string; scheme: string } {
  const match = /^\(([^,]*),([^,]*),/.exec(item.rawValue);
  if (!match) throw new Error(`not a CODE value: ${item.rawValue}`);
  return { value: match[1], scheme: match[2] };
}

/** The text of a dsrdump TEXT / PNAME / UIDREF value. */
export function dumpText(item: DumpItem): string {
  return item.rawValue.replace(/^"/, '').replace(/"$/, '');
}

export function findDumpItems(items: DumpItem[], conceptValue: string): DumpItem[] {
  return items.filter((item) => item.concept.value === conceptValue);
}

/** dcmdump with UID numbers (not names), every value printed in full. */
export function dcmdump(file: string): string {
  const run = runTool('dcmdump', ['-Un', '+L', file]);
  if (run.status !== 0) throw new Error(`dcmdump failed (${run.status}): ${run.stderr}`);
  return run.stdout;
}

/** All values of a tag anywhere in a dcmdump listing (nested items included). */
export function dumpValues(dump: string, tag: string): string[] {
  const pattern = new RegExp(`^\\s*\\(${tag.replace(/[()]/g, '')}\\) \\w\\w (?:\\[(.*?)\\]|\\(no value available\\)|=(\\S+)|(\\S+))`, 'i');
  const values: string[] = [];
  for (const line of dump.split('\n')) {
    const match = pattern.exec(line);
    if (match) values.push(match[1] ?? match[2] ?? (match[3] && !match[3].startsWith('(') ? match[3] : ''));
  }
  return values;
}

/** The scores per artery and total as dsrdump shows them in the calcium score SR. */
export function dsrdumpScores(items: DumpItem[]): Record<Artery | 'total', { agatston: number; volumeMm3: number; massMg: number | null; lesions: number }> {
  const root = items[0];
  expect(root.concept).toMatchObject({ value: '450360000', scheme: 'SCT' });
  const result: Partial<Record<Artery | 'total', { agatston: number; volumeMm3: number; massMg: number | null; lesions: number }>> = {};
  for (const group of findDumpItems(root.children, SR_CODES.measurementGroup.value)) {
    const site = dumpCode(findDumpItems(group.children, SR_CODES.findingSite.value)[0]);
    const artery = ARTERIES.find((a) => ARTERY_CODES[a].value === site.value && site.scheme === 'SCT');
    const key = artery ?? (site.value === SR_CODES.coronaryArtery.value ? 'total' : undefined);
    if (!key) throw new Error(`unknown finding site ${site.value}`);
    const numberOf = (code: string, unit: string): number | null => {
      const item = findDumpItems(group.children, code)[0];
      if (!item) return null;
      const parsed = dumpNumber(item);
      expect(parsed.unit, `${key} ${code} unit`).toBe(unit);
      return parsed.value;
    };
    const agatstonItem = findDumpItems(group.children, SR_CODES.calciumScore.value)[0];
    expect(dumpCode(findDumpItems(agatstonItem.children, SR_CODES.measurementMethod.value)[0]).value).toBe(SR_CODES.agatstonMethod.value);
    result[key] = {
      agatston: numberOf(SR_CODES.calciumScore.value, '1') as number,
      volumeMm3: numberOf(SR_CODES.calciumVolume.value, 'mm3') as number,
      massMg: numberOf(SR_CODES.calciumMass.value, 'mg'),
      lesions: numberOf(SR_CODES.lesionCount.value, '{lesions}') as number,
    };
  }
  return result as Record<Artery | 'total', { agatston: number; volumeMm3: number; massMg: number | null; lesions: number }>;
}
