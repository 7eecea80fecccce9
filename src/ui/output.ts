/**
 * Output is one injected interface: results to stdout (or JSON with --json), progress and
 * messages to stderr, chalk only here. NO_COLOR is respected (chalk reads it); no prompt without
 * a TTY.
 */
import chalk from 'chalk';
import { CancelledError, ConfirmationRequiredError } from '../errors.js';

export interface Progress {
  /** A short line of what is happening now. */
  update(text: string): void;
}

export interface Output {
  readonly json: boolean;
  readonly interactive: boolean;
  /** The command's result: JSON on stdout with --json, else the human lines. */
  result(data: unknown, human: () => string | string[]): void;
  info(message: string): void;
  warn(message: string): void;
  success(message: string): void;
  /** Runs a long step with progress: listr2 on a TTY, plain lines otherwise. */
  task<T>(title: string, fn: (progress: Progress) => Promise<T>): Promise<T>;
  /** Asks the user to type `expected` to go on. Throws when there is no TTY. */
  confirmTyped(message: string, expected: string): Promise<boolean>;
  /**
   * A yes/no question (default no). Resolves on yes; throws CancelledError(declined) on no, and a
   * ConfirmationRequiredError (exit 2) naming `hint` when there is no terminal to ask.
   */
  confirmOrCancel(message: string, options: { hint: string; declined: string }): Promise<void>;
}

export interface OutputOptions {
  json?: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Overrides TTY detection (tests). */
  interactive?: boolean;
}

export function createOutput(options: OutputOptions = {}): Output {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const json = Boolean(options.json);
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  const interactive =
    options.interactive ?? (Boolean((stderr as NodeJS.WriteStream).isTTY) && Boolean(process.stdin.isTTY) && !ci);
  const err = (line: string) => stderr.write(`${line}\n`);

  return {
    json,
    interactive,
    result(data, human) {
      if (json) {
        stdout.write(`${JSON.stringify(data, jsonReplacer, 2)}\n`);
        return;
      }
      const lines = human();
      const text = Array.isArray(lines) ? lines.join('\n') : lines;
      if (text) stdout.write(`${text}\n`);
    },
    info: (message) => err(message),
    warn: (message) => err(`${chalk.yellow('warning:')} ${message}`),
    success: (message) => err(`${chalk.green('✔')} ${message}`),
    async task<R>(title: string, fn: (progress: Progress) => Promise<R>): Promise<R> {
      if (!interactive) {
        err(`${title} ...`);
        const started = performance.now();
        let last = '';
        const value = await fn({
          update(text) {
            if (text !== last) err(`  ${text}`);
            last = text;
          },
        });
        err(`${title}: done in ${Math.round(performance.now() - started)} ms`);
        return value;
      }
      // listr2 only draws progress on a terminal: imported here, not by every command that starts.
      const { Listr, ListrLogger, PRESET_TIMER, ProcessOutput } = await import('listr2');
      const stderrLogger = () => new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) });
      let value: R | undefined;
      const list = new Listr(
        [
          {
            title,
            task: async (_ctx, task) => {
              value = await fn({ update: (text) => (task.output = text) });
            },
            rendererOptions: { persistentOutput: false },
          },
        ],
        {
          exitOnError: true,
          registerSignalListeners: false,
          // Progress belongs on stderr: stdout carries only results (and may be piped to jq).
          // listr2 picks its fallback renderer when stdout is not a TTY, so both get the logger.
          rendererOptions: {
            timer: PRESET_TIMER,
            logger: stderrLogger(),
          },
          fallbackRenderer: 'simple',
          fallbackRendererOptions: { logger: stderrLogger() },
        },
      );
      await list.run();
      return value as R;
    },
    async confirmOrCancel(message, { hint, declined }) {
      if (!interactive)
        throw new ConfirmationRequiredError(`${message} Refusing without a terminal to confirm.`, { hint });
      const { confirm } = await import('@inquirer/prompts');
      let yes: boolean;
      try {
        yes = await confirm({ message, default: false }, { output: process.stderr });
      } catch (error) {
        if ((error as Error).name === 'ExitPromptError') throw new CancelledError();
        throw error;
      }
      if (!yes) throw new CancelledError(declined);
    },
    async confirmTyped(message, expected) {
      if (!interactive) throw new ConfirmationRequiredError(`${message} Refusing without a terminal to confirm.`);
      const { input } = await import('@inquirer/prompts');
      try {
        const answer = await input(
          { message: `${message} Type ${chalk.bold(expected)} to continue:` },
          { output: process.stderr },
        );
        return answer.trim() === expected;
      } catch (error) {
        if ((error as Error).name === 'ExitPromptError') throw new CancelledError();
        throw error;
      }
    },
  };
}

function jsonReplacer(_key: string, value: unknown) {
  return typeof value === 'bigint' ? value.toString() : value;
}

export const style = {
  dim: (s: string) => chalk.dim(s),
  bold: (s: string) => chalk.bold(s),
  red: (s: string) => chalk.red(s),
  green: (s: string) => chalk.green(s),
  yellow: (s: string) => chalk.yellow(s),
  cyan: (s: string) => chalk.cyan(s),
};
