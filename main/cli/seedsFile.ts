/** Reading seeds.json: the reader's clicks as [{artery, point: [x, y, z] (LPS mm), scope}]. */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ASSIGNMENT_TARGETS, type Assignment } from '../../native-worker/scoring/arteries.js';
import { CliError } from './cliError.js';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const seedSchema = z.object({
  artery: z.enum(ASSIGNMENT_TARGETS as [string, ...string[]], { message: `artery must be one of ${ASSIGNMENT_TARGETS.join(', ')}` }),
  point: z.tuple([finite, finite, finite], { message: 'point must be [x, y, z] in mm (LPS)' }),
  scope: z.enum(['lesion', 'slice'], { message: 'scope must be "lesion" or "slice"' }).default('lesion'),
});
export const seedsSchema = z.array(seedSchema);

export async function readSeedsFile(path: string): Promise<Assignment[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (reason) {
    throw new CliError(`cannot read seeds file ${path}: ${(reason as NodeJS.ErrnoException).code ?? reason}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (reason) {
    throw new CliError(`seeds file ${path} is not valid JSON: ${(reason as Error).message}`);
  }
  const parsed = seedsSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first.path.length ? `item ${Number(first.path[0]) + 1}${first.path.length > 1 ? ` ${first.path.slice(1).join('.')}` : ''}: ` : '';
    throw new CliError(`seeds file ${path}: ${where}${first.message}`);
  }
  return parsed.data as Assignment[];
}
