/**
 * The one way an option is checked: the `Auth0` options (`config/resolve.ts`) and the options of
 * every store and tenant that takes its own (the memory and Redis replay stores, the DPoP nonces,
 * the local tenant). Each mistake is an {@link Auth0ConfigError} that names the option and says what
 * it must be, in one style: "routing-controllers-auth0: `name` must be … (got …)".
 */
import { Auth0ConfigError } from './errors';

/** How a numeric option is checked. */
export interface NumberRule {
  readonly integer?: boolean;
  readonly unit?: 'milliseconds' | 'seconds';
  readonly min: number;
  /** Strictly above `min`. */
  readonly above?: boolean;
  readonly max?: number;
  readonly note?: string;
}

export const MILLISECONDS: NumberRule = { unit: 'milliseconds', min: 0 };
// AbortSignal.timeout takes a whole number that fits a timer; beyond it the timer fires at once.
export const TIMER_MILLISECONDS: NumberRule = { integer: true, unit: 'milliseconds', min: 0, above: true, max: 2_147_483_647 };
export const SECONDS: NumberRule = { unit: 'seconds', min: 0 };
export const POSITIVE_SECONDS: NumberRule = { unit: 'seconds', min: 0, above: true };
export const COUNT: NumberRule = { integer: true, min: 1 };
export const CACHE_SIZE: NumberRule = { integer: true, min: 0, note: '0 turns the cache off' };

export function fail(message: string): never {
  throw new Auth0ConfigError(`routing-controllers-auth0: ${message}`);
}

/** A value for a message: numbers and short strings as they are, anything else by its kind. */
export function shown(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : typeof value;
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** Refuses names that are not options, suggesting the nearest one. */
export function onlyKnown(prefix: string, value: object, names: Record<string, true>): void {
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(names, key)) continue;
    const near = Object.keys(names).find((name) => distance(name.toLowerCase(), key.toLowerCase()) <= 2);
    const hint = near === undefined ? '' : ` (did you mean \`${prefix}${near}\`?)`;
    fail(`unknown option \`${prefix}${key.slice(0, 60)}\`${hint}`);
  }
}

/** A nested option object (`dpop`, `mtls`, `dpop.nonce`): a plain object with known names only. */
export function section(name: string, value: unknown, names: Record<string, true>, what = 'an object'): object {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`\`${name}\` must be ${what} (got ${shown(value)})`);
  onlyKnown(`${name}.`, value, names);
  return value;
}

function ruleText(rule: NumberRule): string {
  let kind = `a number of ${rule.unit ?? 'units'}`;
  if (rule.integer) kind = rule.unit === undefined ? 'an integer' : `a whole number of ${rule.unit}`;
  const max = rule.max === undefined ? '' : ` and <= ${rule.max}`;
  const note = rule.note === undefined ? '' : ` (${rule.note})`;
  return `${kind} ${rule.above ? '>' : '>='} ${rule.min}${max}${note}`;
}

function fits(value: number, rule: NumberRule): boolean {
  return (
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.above ? value > rule.min : value >= rule.min) &&
    (rule.max === undefined || value <= rule.max)
  );
}

export function numberOption(name: string, value: unknown, fallback: number, rule: NumberRule): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !fits(value, rule)) fail(`\`${name}\` must be ${ruleText(rule)} (got ${shown(value)})`);
  return value;
}

export function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(`\`${name}\` must be true or false (got ${shown(value)})`);
  return value;
}

export function callable<F extends (...args: never[]) => unknown>(name: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') fail(`\`${name}\` must be a function (got ${shown(value)})`);
  return value;
}

export function text(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') fail(`\`${name}\` must be a non-empty string`);
  return value;
}

/**
 * A whole number of at least 1; `fallback` when omitted, and a required option without one.
 *
 * @example
 * ```ts
 * positiveInteger('MemoryReplayStore.maxEntries', options.maxEntries); // throws for 0, 1.5, '10' and undefined
 * ```
 */
export function positiveInteger(name: string, value: unknown, fallback?: number): number {
  if (value === undefined && fallback === undefined) fail(`\`${name}\` must be set: ${ruleText(COUNT)}`);
  return numberOption(name, value, fallback ?? 1, COUNT);
}
