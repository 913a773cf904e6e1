/** An error the command line reports as one line on stderr, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
    /** Extra lines printed after the message (e.g. the series to choose from). */
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit code for wrong usage and for "several series, choose one". */
export const USAGE_EXIT = 2;
