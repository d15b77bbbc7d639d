import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compileAccessMap, type CompiledAccessMap } from '../policy/evaluate.js';
import { parseAccessMap, PolicyLoadError, type PolicyProblem } from '../policy/load.js';
import type { GatewayPolicy } from './types.js';

/** What one reload did: `applied` (a new map serves), `refused` (invalid: the old one stays), `unchanged` (same bytes). */
export type ReloadOutcome =
  | { readonly outcome: 'applied'; readonly resources: number }
  | { readonly outcome: 'unchanged' }
  | { readonly outcome: 'refused'; readonly problems: readonly PolicyProblem[] };

export interface ReloadingMapOptions<P> {
  /** The access map file (YAML or JSON). */
  readonly file: string;
  /** The map already loaded (and validated) at start-up, and the text it came from. */
  readonly initial: { readonly map: CompiledAccessMap; readonly text: string };
  /** Builds what serves one map (the gateway's policy, gateway/policy.ts); called once per applied map. */
  readonly build: (map: CompiledAccessMap) => P;
  /** Every reload's outcome, and why it ran (metrics and logs). */
  readonly onReload?: (result: ReloadOutcome, trigger: ReloadTrigger) => void;
  /** Quiet time after the last file event before the file is read (editors write in several steps). Default 250. */
  readonly debounceMs?: number;
}

export type ReloadingPolicyOptions = ReloadingMapOptions<GatewayPolicy>;

export type ReloadTrigger = 'file' | 'signal' | 'manual';

/** An access map file, reloadable while the process runs, and what was built from its current map. */
export interface ReloadingMap<P = unknown> {
  /** The map serving new requests now. */
  readonly current: CompiledAccessMap;
  /** What `build` made of the current map. */
  readonly built: P;
  /** Reads, validates and (if valid and different) swaps in the file's map. Never throws for a bad map. */
  reload(trigger?: ReloadTrigger): Promise<ReloadOutcome>;
  /** Reloads on changes to the file (fs.watch on its folder, debounced); returns the stop function. */
  watch(): () => void;
}

export interface ReloadingPolicy extends GatewayPolicy, ReloadingMap<GatewayPolicy> {}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The access map, swappable while the gateway runs. A new map is parsed, validated and compiled
 * in full, and its policy built, before it replaces the old one in a single assignment: there is
 * never a half-applied map, and an invalid file changes nothing (the old map keeps serving).
 *
 * Each request is decided wholly by the policy current when its decision began (`decide` takes
 * the reference once), and is forwarded by that decision (upstream included), so a request in
 * flight during a reload finishes on the map it started with.
 *
 * The folder is watched, not the file: editors and config tools replace a file by renaming a new
 * one over it, which ends a watch on the old inode. Reloads never overlap: one that is asked for
 * while another runs is run once after it.
 */
export function createReloadingPolicy(options: ReloadingPolicyOptions): ReloadingPolicy {
  const reloading = createReloadingMap(options);
  return {
    get current() {
      return reloading.current;
    },
    get built() {
      return reloading.built;
    },
    needsBody(req) {
      return reloading.built.needsBody(req);
    },
    decide(req) {
      return reloading.built.decide(req);
    },
    reload: (trigger) => reloading.reload(trigger),
    watch: () => reloading.watch(),
  };
}

/**
 * The reload machinery itself, for any process that serves an access map: the gateway
 * (`createReloadingPolicy`) and `keyward start --policy` (GET /v1/keys/{keyId}/access), so both
 * reload, refuse and swap the same way.
 */
export function createReloadingMap<P>(options: ReloadingMapOptions<P>): ReloadingMap<P> {
  let map = options.initial.map;
  let policy = options.build(map);
  let applied = digest(options.initial.text);
  let running: Promise<ReloadOutcome> | undefined;
  let again: ReloadTrigger | undefined;

  async function load(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    let result: ReloadOutcome;
    let text: string;
    try {
      text = await readFile(options.file, 'utf8');
    } catch (err) {
      result = { outcome: 'refused', problems: [{ file: options.file, line: 0, column: 0, path: '', message: `cannot read: ${(err as Error).message}` }] };
      options.onReload?.(result, trigger);
      return result;
    }
    const hash = digest(text);
    if (hash === applied) {
      result = { outcome: 'unchanged' };
    } else {
      try {
        const next = compileAccessMap(parseAccessMap(text, options.file));
        const nextPolicy = options.build(next);
        // The swap: everything above either finished or threw, so this is all or nothing.
        map = next;
        policy = nextPolicy;
        applied = hash;
        result = { outcome: 'applied', resources: next.map.resources.length };
      } catch (err) {
        // Whatever stopped the new map (invalid, or its policy could not be built), the old one stays.
        const problems = err instanceof PolicyLoadError ? err.problems : [{ file: options.file, line: 0, column: 0, path: '', message: (err as Error).message }];
        result = { outcome: 'refused', problems };
      }
    }
    options.onReload?.(result, trigger);
    return result;
  }

  function reload(trigger: ReloadTrigger = 'manual'): Promise<ReloadOutcome> {
    if (running) {
      again = trigger;
      return running.then(() => (again !== undefined ? reload(again) : (running ?? { outcome: 'unchanged' })));
    }
    again = undefined;
    running = load(trigger).finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    get current() {
      return map;
    },
    get built() {
      return policy;
    },
    reload,
    watch() {
      const dir = path.dirname(path.resolve(options.file));
      const base = path.basename(options.file);
      const debounceMs = options.debounceMs ?? 250;
      let timer: NodeJS.Timeout | undefined;
      let watcher: FSWatcher | undefined = watch(dir, { persistent: false }, (_event, name) => {
        // Some platforms give no name; then any event in the folder may be the map.
        if (name !== null && name !== base) return;
        clearTimeout(timer);
        timer = setTimeout(() => void reload('file').catch(() => {}), debounceMs);
        timer.unref();
      });
      watcher.on('error', () => {});
      return () => {
        clearTimeout(timer);
        watcher?.close();
        watcher = undefined;
      };
    },
  };
}
