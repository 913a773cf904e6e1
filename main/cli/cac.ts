/** Entry point of `npm run -s cac -- <command> ...`. */
import { runCli } from './runCli.js';

process.exitCode = await runCli(process.argv.slice(2));
