import type { InvocationRecord } from './lambda-runtime.ts';
import { shortId } from './timing.ts';

const useColour = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
const paint = (code: number) => (text: string) => (useColour ? `\u001b[${code}m${text}\u001b[0m` : text);
export const dim = paint(2);
export const bold = paint(1);
const green = paint(32);
const red = paint(31);
const yellow = paint(33);

/**
 * One line per invocation: time, function, trigger, duration, outcome. Only names, counts and
 * status codes: an event or a result could hold personal data, so neither is ever printed.
 */
export function formatInvocation(record: InvocationRecord): string {
  const time = new Date(record.startedAt).toISOString().slice(11, 23);
  const outcome =
    record.outcome === 'ok'
      ? green('ok')
      : record.outcome === 'error'
        ? red(`error ${record.errorType ?? ''}`.trim())
        : red(record.outcome === 'timeout' ? 'timed out' : `crashed (${record.errorType ?? 'exit'})`);
  const detail = record.detail === undefined ? '' : ` ${record.detail}`;
  const duration = `${Math.round(record.durationMs)} ms`.padStart(8);
  return `${dim(time)}  ${bold(shortId(record.functionId).padEnd(22))} ${record.trigger.padEnd(36)} ${duration}  ${outcome}${detail}`;
}

export function formatWarning(message: string): string {
  return `${dim(new Date().toISOString().slice(11, 23))}  ${yellow('!')} ${message}`;
}
