/**
 * `usage blocks --live`: the active block and today, redrawn in place when
 * the logs change. Uses the terminal's alternate screen and hides the cursor;
 * both are restored on every way out (q, Ctrl-C, SIGTERM, an error). Changes
 * are noticed with fs.watch (recursive), throttled to one redraw a second;
 * where watching is not available (or USAGE_LIVE_POLL is set) the logs are
 * polled instead. A redraw also happens every 30 s, so the remaining time
 * moves while nothing is written.
 */
import { type FSWatcher, watch } from 'node:fs';
import { analyze } from '../core/analyze.js';
import { UsageError } from '../core/errors.js';
import { blocksReducer } from '../reducers/blocks.js';
import { combineReducers, type Reducer } from '../reducers/reducer.js';
import { addToTotals, createTokenTotals, type TokenTotals } from '../reducers/totals.js';
import type { Dataset, Document } from '../renderers/dataset.js';
import { buildBlocksReport, type TokenLimitFlag } from '../reports/blocks.js';
import { costColumn, serializeTotals, UNPRICED_COLUMN } from '../reports/serialize.js';
import { findDefaultLocations } from '../sources/discover.js';
import { addDays, formatCalendarDate, readCalendarDate, startOfDay } from '../time/zone.js';
import type { UsageConfig } from './config.js';
import type { CliContext } from './context.js';
import { type InputOptions, resolveInputs } from './inputs.js';
import { type OutputFlags, renderDocument } from './output.js';

type LiveOptions = InputOptions & OutputFlags;

const ENTER_SCREEN = '\u001b[?1049h\u001b[?25l';
const LEAVE_SCREEN = '\u001b[?25h\u001b[?1049l';
const CLEAR = '\u001b[H\u001b[2J';
const THROTTLE_MS = 1000;
const TICK_MS = 30_000;
const POLL_MS = 2000;

export interface LiveLimits {
  tokenLimit: TokenLimitFlag | undefined;
  costLimitUsd: number | undefined;
}

function todayReducer(start: number, end: number): Reducer<TokenTotals> {
  return {
    create: createTokenTotals,
    add(state, record) {
      if (record.timestamp !== null && record.timestamp >= start && record.timestamp < end) addToTotals(state, record);
    },
  };
}

async function buildScreen(paths: readonly string[], flags: LiveOptions, config: UsageConfig, context: CliContext, limits: LiveLimits): Promise<string> {
  const now = Date.now();
  const inputs = await resolveInputs(paths, { ...flags, quiet: true }, config, context, 'logs');
  const day = readCalendarDate(now, inputs.zone);
  const reducer = combineReducers({ blocks: blocksReducer, today: todayReducer(startOfDay(day, inputs.zone), startOfDay(addDays(day, 1), inputs.zone)) });
  // The live view shows the active block and today: a --since inside the block must not cut its calls.
  const analysis = await analyze(inputs.sources, reducer, { ...inputs.analyzeOptions, range: undefined });
  const blocks = buildBlocksReport(
    { state: analysis.state.blocks, summary: analysis.summary, excluded: analysis.excluded },
    { zone: inputs.zone, now, active: true, ...limits },
  );
  const today: Dataset = {
    name: 'today',
    title: `Today (${formatCalendarDate(day)}, all agents)`,
    columns: [
      { key: 'calls', header: 'calls', kind: 'integer' },
      { key: 'total_tokens', header: 'tokens', kind: 'tokens' },
      costColumn(8),
      UNPRICED_COLUMN,
    ],
    rows: [{ ...serializeTotals(analysis.state.today) }],
  };
  const document: Document = { json: null, datasets: [...blocks.datasets, today] };
  const body = await renderDocument(document, 'table', context, flags);
  const empty = (blocks.json as { active: unknown }).active === null ? 'No Claude Code block is active now.\n' : '';
  const clock = new Date(now + 0).toISOString().slice(11, 19);
  return `${empty}${body}\nupdated ${clock} UTC · q or Ctrl-C to quit\n`;
}

/** The folders to watch: the paths given, else the config's, else the default locations that exist. */
async function listWatchRoots(paths: readonly string[], config: UsageConfig, context: CliContext): Promise<readonly string[]> {
  if (paths.length > 0) return paths;
  if (config.paths && config.paths.length > 0) return config.paths;
  const found = await findDefaultLocations({ home: context.home, variables: context.env, platform: context.platform ?? 'linux' });
  return found.map((location) => location.path);
}

export async function runLiveView(
  paths: readonly string[],
  flags: LiveOptions,
  config: UsageConfig,
  context: CliContext,
  limits: LiveLimits,
): Promise<number> {
  if (!context.stdout.isTTY || !process.stdin.isTTY) throw new UsageError('--live redraws a terminal: run it in one (for a pipe, use `usage blocks --active --json`).');
  if (paths.includes('-')) throw new UsageError('--live watches log files, not stdin: name a folder or leave the paths out.');
  const roots = await listWatchRoots(paths, config, context);
  // Fails early, in plain text, before the screen is taken over (no logs, a bad flag).
  const first = await buildScreen(paths, flags, config, context, limits);

  const stdin = process.stdin;
  const watchers: FSWatcher[] = [];
  const timers: NodeJS.Timeout[] = [];
  let drawing = false;
  let pending = false;
  let lastDraw = 0;
  let throttle: NodeJS.Timeout | undefined;
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });

  let ended = false;
  // A redraw still building when q is pressed (a scan lets keys in between files) must not paint
  // over the terminal once the screen has been given back.
  const draw = (screen: string) => {
    if (!ended) context.stdout.write(`${CLEAR}${screen}`);
  };
  const redraw = async (): Promise<void> => {
    if (drawing) {
      pending = true;
      return;
    }
    drawing = true;
    lastDraw = Date.now();
    try {
      draw(await buildScreen(paths, flags, config, context, limits));
    } catch (error) {
      draw(`Could not refresh: ${(error as Error).message}\nq or Ctrl-C to quit\n`);
    } finally {
      drawing = false;
    }
    if (pending) {
      pending = false;
      schedule();
    }
  };
  // At most one redraw a second; a change inside the second is drawn at its end.
  const schedule = () => {
    if (throttle !== undefined) return;
    const wait = Math.max(0, lastDraw + THROTTLE_MS - Date.now());
    throttle = setTimeout(() => {
      throttle = undefined;
      void redraw();
    }, wait);
  };

  const restore = () => {
    ended = true;
    for (const watcher of watchers) watcher.close();
    for (const timer of timers) clearInterval(timer);
    clearTimeout(throttle);
    if (stdin.isTTY) stdin.setRawMode(false);
    stdin.pause();
    stdin.off('data', onKey);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    context.stdout.write(LEAVE_SCREEN);
  };
  const onKey = (data: Buffer) => {
    const key = data.toString('utf8');
    // q, Q, Ctrl-C (raw mode delivers it as a byte, not a signal), Ctrl-D.
    if (key === 'q' || key === 'Q' || key === '\u0003' || key === '\u0004') finish(0);
  };
  // Restored at once: bin/usage.js also ends the process on these signals, perhaps before `finally` runs.
  const onSignal = () => {
    ended = true;
    if (stdin.isTTY) stdin.setRawMode(false);
    context.stdout.write(LEAVE_SCREEN);
    finish(130);
  };

  context.stdout.write(ENTER_SCREEN);
  try {
    draw(first);
    lastDraw = Date.now();
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onKey);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let watching = !context.env['USAGE_LIVE_POLL'];
    if (watching) {
      try {
        for (const root of roots) watchers.push(watch(root, { recursive: true }, schedule));
        for (const watcher of watchers) watcher.on('error', () => undefined);
      } catch {
        // No recursive watching here (or too many watches): poll instead.
        for (const watcher of watchers.splice(0)) watcher.close();
        watching = false;
      }
    }
    if (!watching) timers.push(setInterval(schedule, POLL_MS));
    timers.push(setInterval(schedule, TICK_MS));
    return await done;
  } finally {
    restore();
  }
}
