/** The bench scripts' settings, read from the environment. */

/** A number from the environment (unset or empty: `fallback`); anything but a finite number >= `min` is refused. */
export function numberEnv(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min}`);
  return value;
}
