/**
 * The workstation's command line (runCli is the testable core; cac.ts is the entry): `npm run -s cac -- <command> ...`.
 * Errors end with a non-zero exit and one clear line on stderr, never a stack trace.
 */
import { DicomLoadError } from '../../native-worker/dicom/loadIssues.js';
import { CliError, USAGE_EXIT } from './cliError.js';
import { scoreCommand, SCORE_HELP, SCORE_USAGE } from './scoreCommand.js';
import { demoCommand } from './demoCommand.js';
import { importCommand, IMPORT_USAGE } from './importCommand.js';
import { receiveCommand, RECEIVE_USAGE } from './receiveCommand.js';
import { pacsCommand, PACS_USAGE } from './pacsCommand.js';
import { doseCommand, DOSE_USAGE } from './doseCommand.js';
import { auditCommand, AUDIT_USAGE } from './auditCommand.js';
import { usersCommand, USERS_USAGE } from './usersCommand.js';
import { backupCommand, BACKUP_USAGE } from './backupCommand.js';
import { restoreCommand, RESTORE_USAGE } from './restoreCommand.js';

const COMMANDS: Record<string, (args: string[], out: (text: string) => void) => Promise<void>> = {
  score: scoreCommand,
  demo: demoCommand,
  import: importCommand,
  receive: (args, out) => receiveCommand(args, out),
  pacs: pacsCommand,
  dose: doseCommand,
  audit: auditCommand,
  users: usersCommand,
  backup: backupCommand,
  restore: restoreCommand,
};

const USAGE = ['usage: cac <command> ...', `  ${SCORE_USAGE.replace('usage: ', '')}`, `  ${IMPORT_USAGE.replace('usage: ', '')}`, `  ${RECEIVE_USAGE.replace('usage: ', '')}`, `  ${PACS_USAGE.split('\n')[0].replace('usage: ', '')}`, `  ${DOSE_USAGE.replace('usage: ', '')}`, `  ${AUDIT_USAGE.replace('usage: ', '')}`, `  ${USERS_USAGE.split('\n')[0].replace('usage: ', '')}`, `  ${BACKUP_USAGE.replace('usage: ', '')}`, `  ${RESTORE_USAGE.replace('usage: ', '')}`, '  cac demo    score the demo phantom (the shared QRM scan, or a generated one)'].join('\n');

const DEMO_USAGE = 'usage: cac demo\n  scores the demo phantom (the shared QRM scan, or a generated one) with its inserts assigned';

/** The usage each command prints for --help (subcommands included: pacs, users, backup, audit list theirs). */
const COMMAND_USAGE: Record<string, string> = {
  score: SCORE_HELP,
  demo: DEMO_USAGE,
  import: IMPORT_USAGE,
  receive: RECEIVE_USAGE,
  pacs: PACS_USAGE,
  dose: DOSE_USAGE,
  audit: AUDIT_USAGE,
  users: USERS_USAGE,
  backup: BACKUP_USAGE,
  restore: RESTORE_USAGE,
};

export async function runCli(argv: string[], out: (text: string) => void = (text) => process.stdout.write(`${text}\n`)): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === '--help' || command === 'help') {
    out(USAGE);
    return command ? 0 : USAGE_EXIT;
  }
  const run = COMMANDS[command] as ((args: string[], out: (text: string) => void) => Promise<void>) | undefined;
  // `cac <command> [subcommand] --help`: that command's usage on stdout, exit 0, before anything is opened.
  if (run && args.some((arg) => arg === '--help' || arg === '-h')) {
    out(COMMAND_USAGE[command]);
    return 0;
  }
  try {
    if (!run) throw new CliError(`unknown command "${command}"\n${USAGE}`, USAGE_EXIT);
    await run(args, out);
    return 0;
  } catch (reason) {
    if (reason instanceof CliError) {
      process.stderr.write(`cac ${command}: ${reason.message}\n`);
      for (const line of reason.details) process.stderr.write(`  ${line}\n`);
      return reason.exitCode;
    }
    if (reason instanceof DicomLoadError) {
      process.stderr.write(`cac ${command}: ${reason.message}\n`);
      return 1;
    }
    const error = reason as NodeJS.ErrnoException;
    if (error?.code === 'ENOENT') {
      process.stderr.write(`cac ${command}: no such file or folder: ${error.path ?? error.message}\n`);
      return 1;
    }
    process.stderr.write(`cac ${command}: ${error?.message ?? String(reason)}\n`);
    return 1;
  }
}

