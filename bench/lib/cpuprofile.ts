/** Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and says where the time went. */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time per owner (package, our code, node internals, GC…), busiest first. */
  byOwner: Share[];
  /** Self time per function, busiest first. */
  topSelf: Share[];
  /** Inclusive (synchronous-stack) time of the named functions. */
  inclusive: Share[];
}

/** Who owns a frame: a package under node_modules, our src/ or sample/, node's internals, or V8. */
export function ownerOf(frame: CallFrame, root: string): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName === '(garbage collector)' || functionName === '(idle)' || functionName === '(program)') return functionName;
    return 'V8 builtins / native';
  }
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (modules) return modules[1];
  if (url.startsWith('node:')) {
    if (/node:(_http|http|net|stream|internal\/(streams|http|net|stream_base|tcp))/.test(url)) return 'node http/net/streams';
    if (/node:internal\/crypto/.test(url)) return 'node crypto (WebCrypto glue)';
    return 'node other';
  }
  const local = url.replace(/^file:\/\//, '');
  if (local.startsWith(`${root}/src/`)) return 'this library (src/)';
  if (local.startsWith(`${root}/sample/`)) return 'sample/';
  if (local.startsWith(`${root}/bench/`)) return 'bench target';
  return 'other';
}

function frameName(frame: CallFrame, root: string): string {
  const file = frame.url
    .replace(/^file:\/\//, '')
    .replace(`${root}/`, '')
    .replace(/^.*node_modules\//, '');
  const name = frame.functionName || '(anonymous)';
  return file === '' ? name : `${name} ${file}:${frame.lineNumber + 1}`;
}

/** A function whose inclusive time is wanted: its name, and a fragment of its file's path. */
export interface FunctionRef {
  fn: string;
  file: string;
}

/** A stretch of time, in µs on the monotonic clock that `process.hrtime` also reads. */
export interface Window {
  from: number;
  to: number;
}

/**
 * Summarises a profile. `windows` keep only the samples taken in them (under load);
 * `inclusiveOf` lists functions whose inclusive time to report.
 */
export function summarise(
  profile: CpuProfile,
  root: string,
  inclusiveOf: FunctionRef[] = [],
  windows?: Window | readonly Window[],
): ProfileSummary {
  const kept: readonly Window[] | undefined = windows === undefined || Array.isArray(windows) ? windows : [windows as Window];
  const inWindow = (time: number): boolean => kept === undefined || kept.some((span) => time >= span.from && time <= span.to);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  // Self time per node from the sample timeline (timeDeltas[i] is the gap before samples[i]).
  const selfUs = new Map<number, number>();
  let totalUs = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i += 1) {
    at += profile.timeDeltas[i];
    if (!inWindow(at)) continue;
    const delta = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + delta);
    totalUs += delta;
  }

  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const label = (ref: FunctionRef): string => `${ref.fn} (${ref.file})`;
  const matches = (frame: CallFrame): FunctionRef | undefined =>
    inclusiveOf.find((ref) => ref.fn === frame.functionName && frame.url.includes(ref.file));
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const owner = ownerOf(node.callFrame, root);
    owners.set(owner, (owners.get(owner) ?? 0) + us);
    const name = frameName(node.callFrame, root);
    functions.set(name, (functions.get(name) ?? 0) + us);
    if (inclusiveOf.length > 0) {
      // Count each function once per stack even when it recurses.
      const seen = new Set<string>();
      for (let up: number | undefined = id; up !== undefined; up = parent.get(up)) {
        const frame = byId.get(up)?.callFrame;
        const ref = frame === undefined ? undefined : matches(frame);
        if (ref !== undefined && !seen.has(label(ref))) {
          seen.add(label(ref));
          inclusive.set(label(ref), (inclusive.get(label(ref)) ?? 0) + us);
        }
      }
    }
  }
  const shares = (map: Map<string, number>): Share[] =>
    [...map.entries()].map(([name, us]) => ({ name, ms: us / 1000, share: totalUs === 0 ? 0 : us / totalUs })).sort((a, b) => b.ms - a.ms);
  return { totalMs: totalUs / 1000, byOwner: shares(owners), topSelf: shares(functions), inclusive: shares(inclusive) };
}
