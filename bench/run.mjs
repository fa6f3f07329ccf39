#!/usr/bin/env node
/**
 * The benchmark: `npm run bench -- [--size 100] [--runs 5] [--set claude|flat|all]`.
 *
 * Generates the data sets (bench/generate.mjs, reused when present), then
 * times, in alternating order each round so that drift and cache effects hit
 * every tool alike: `cat` of the files, `wc -l`, a naive Node loop
 * (bench/naive.mjs), `usage report --json --no-cache` (reading everything),
 * and the persistent index: built from nothing, warm with nothing changed,
 * and after 1 MB was appended to one file. Every `usage` run is checked
 * against the generator's exact totals. Also times start-up (`node -e 0`,
 * `usage --version`, `usage report` on a 1 KB file). Prints a table and
 * rewrites bench/RESULTS.md from bench/results.json, which keeps the latest
 * figures per set and size so that runs at different sizes can be compared.
 *
 * The appended bytes are cut off again after every run, and on exit or
 * Ctrl-C, so the data folder stays equal to its manifest.
 *
 * Exit code: 1 when `usage` reported a wrong figure (or with --strict, when a
 * target is missed), 2 for a bad flag.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  statfsSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APPEND_BYTES, DATA_DIR, GENERATOR_VERSION, SETS, addExpected, generateAppend, generateSet, setDirectory } from './generate.mjs';
import { compareReport } from './verify.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const RESULTS_JSON = join(BENCH_DIR, 'results.json');
const RESULTS_MD = join(BENCH_DIR, 'RESULTS.md');
const MB = 1_000_000;

/** The issue's targets. */
const TARGETS = {
  officialSizeMB: 1000,
  speedRatio: 1.0,
  rssMiB: 128,
  rssGrowth: 1.1,
  startupRatio: 1.5,
  /** The index, against the `--no-cache` median of the same set. */
  indexWarmRatio: 0.05,
  indexWarmMs: 150,
  indexAppendRatio: 0.1,
  /** Index bytes over log bytes; Claude transcripts only (flat records are ten times denser). */
  indexSizeRatio: 0.05,
};

const HELP = `usage: npm run bench -- [flags]
  --size <MB>          data size per set (default 100; 1000 for the official targets)
  --set <name>         claude, flat or all (default all)
  --runs <n>           timed rounds per tool (default 5; the median is reported)
  --startup-runs <n>   rounds for the start-up figures (default 20; 0 skips them)
  --usage <bin>        the usage entry point to measure (default bin/usage.js of this checkout)
  --label <text>       a note stored with the figures (e.g. which commit or experiment)
  --no-naive           skip the naive Node loop (it is the slowest tool)
  --no-index           skip the persistent-index runs (cold, warm, appended)
  --no-save            print only; leave results.json and RESULTS.md alone
  --strict             exit 1 when a target is missed, not only on wrong figures
  --clean              delete the generated data afterwards`;

function parseArguments(argv) {
  const options = {
    sizeMB: 100,
    set: 'all',
    runs: 5,
    startupRuns: 20,
    usage: join(ROOT, 'bin', 'usage.js'),
    label: '',
    naive: true,
    index: true,
    save: true,
    strict: false,
    clean: false,
  };
  const number = (flag, text, minimum) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < minimum) fail(`${flag} needs a number of at least ${minimum}, not "${text ?? ''}".`);
    return value;
  };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    const value = argv[index + 1];
    switch (flag) {
      case '--size':
        options.sizeMB = number(flag, value, 0.001);
        index++;
        break;
      case '--set':
        if (value !== 'all' && !SETS.includes(value)) fail(`--set must be claude, flat or all, not "${value ?? ''}".`);
        options.set = value;
        index++;
        break;
      case '--runs':
        options.runs = Math.round(number(flag, value, 1));
        index++;
        break;
      case '--startup-runs':
        options.startupRuns = Math.round(number(flag, value, 0));
        index++;
        break;
      case '--usage':
        options.usage = resolve(value ?? '');
        index++;
        break;
      case '--label':
        options.label = value ?? '';
        index++;
        break;
      case '--no-naive':
        options.naive = false;
        break;
      case '--no-index':
        options.index = false;
        break;
      case '--no-save':
        options.save = false;
        break;
      case '--strict':
        options.strict = true;
        break;
      case '--clean':
        options.clean = true;
        break;
      case '--help':
      case '-h':
        process.stdout.write(`${HELP}\n`);
        process.exit(0);
        break;
      default:
        fail(`unknown flag ${flag}.\n${HELP}`);
    }
  }
  return options;
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

function note(message) {
  process.stderr.write(`${message}\n`);
}

// ---------------------------------------------------------------- measuring

/** GNU time reports the peak RSS of the command and everything it waited for. */
const GNU_TIME = (() => {
  if (!existsSync('/usr/bin/time')) return null;
  const probe = spawnSync('/usr/bin/time', ['-f', '%M %U %S', 'true'], { encoding: 'utf8' });
  return probe.status === 0 && /^\d+ [\d.]+ [\d.]+\s*$/m.test(probe.stderr) ? '/usr/bin/time' : null;
})();

/**
 * Without GNU time, the peak is read from /proc/<pid>/status (VmHWM, a
 * high-water mark, so sampling every few milliseconds loses little). Only the
 * direct child is seen, which is every command here.
 */
function pollPeakRss(pid) {
  let peak = null;
  const read = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const match = /VmHWM:\s+(\d+) kB/.exec(status);
      if (match) peak = Math.max(peak ?? 0, Number(match[1]));
    } catch {
      // The process has exited (or /proc is absent): keep the last reading.
    }
  };
  const timer = setInterval(read, 5);
  read();
  return () => {
    clearInterval(timer);
    return peak;
  };
}

/**
 * Runs one command to completion. Returns wall seconds (process.hrtime
 * around spawn → exit), peak RSS in KiB and CPU seconds (user + system, all
 * threads; null when they cannot be measured), exit code and, when asked,
 * stdout. CPU time is reported beside wall time because it moves much less
 * when other work shares the machine.
 */
function runOnce(command, args, { cwd, env, capture = false, wrap = true }) {
  return new Promise((resolvePromise, reject) => {
    // Stopping on a signal: nothing new starts, and the run just ends.
    if (stopping) return;
    const timeFile = wrap && GNU_TIME ? join(scratch(), `time-${process.pid}-${Math.random().toString(36).slice(2)}`) : null;
    const [file, argv] = timeFile ? [GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, command, ...args]] : [command, args];
    const devNull = capture ? null : openSync('/dev/null', 'w');
    const started = process.hrtime.bigint();
    // A process group of its own, so that a signal can stop the command together with what GNU time started.
    const child = spawn(file, argv, { cwd, env, stdio: ['ignore', capture ? 'pipe' : devNull, 'pipe'], detached: true });
    runningChildren.add(child);
    const stopPolling = wrap && !timeFile ? pollPeakRss(child.pid) : null;
    const stdout = [];
    const stderr = [];
    child.stdout?.on('data', (chunk) => stdout.push(chunk));
    child.stderr.on('data', (chunk) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      runningChildren.delete(child);
      if (devNull !== null) closeSync(devNull);
      if (stopping) return;
      let rssKiB = stopPolling ? stopPolling() : null;
      let cpuSeconds = null;
      if (timeFile) {
        const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
        const [rss, user, system] = (lines.at(-1) ?? '').split(' ').map(Number);
        rssKiB = rss;
        cpuSeconds = user + system;
        rmSync(timeFile, { force: true });
      }
      resolvePromise({
        seconds,
        rssKiB: Number.isFinite(rssKiB) ? rssKiB : null,
        cpuSeconds: Number.isFinite(cpuSeconds) ? cpuSeconds : null,
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

/** cat and wc take every file; long lists are split into batches run back to back. */
function batchArguments(files, limit = 512 * 1024) {
  const batches = [];
  let current = [];
  let length = 0;
  for (const file of files) {
    if (current.length > 0 && length + file.length + 1 > limit) {
      batches.push(current);
      current = [];
      length = 0;
    }
    current.push(file);
    length += file.length + 1;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Times a tool's steps; its `before` and `after` hooks (preparing and restoring state) are not timed. */
async function runTool(tool) {
  let seconds = 0;
  let rssKiB = null;
  let cpuSeconds = null;
  let last = null;
  await tool.before?.();
  try {
    for (const step of tool.steps) {
      last = await runOnce(step.command, step.args, tool.options);
      if (last.code !== 0) throw new Error(`${tool.name} exited with ${last.code}: ${last.stderr.trim().slice(0, 2000)}`);
      seconds += last.seconds;
      if (last.rssKiB !== null) rssKiB = Math.max(rssKiB ?? 0, last.rssKiB);
      if (last.cpuSeconds !== null) cpuSeconds = (cpuSeconds ?? 0) + last.cpuSeconds;
    }
  } finally {
    await tool.after?.();
  }
  return { seconds, rssKiB, cpuSeconds, stdout: last?.stdout ?? '' };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

let scratchDirectory = null;
function scratch() {
  scratchDirectory ??= mkdtempSync(join(tmpdir(), 'usage-bench-'));
  return scratchDirectory;
}

function removeScratch() {
  if (scratchDirectory) rmSync(scratchDirectory, { recursive: true, force: true });
  scratchDirectory = null;
}

/**
 * Data files that have bytes appended, with their original size and times.
 * Cutting the bytes off again must happen however the run ends, so that the
 * data folder stays equal to its manifest; hence the exit and signal hooks.
 */
const appendedFiles = new Map();

function restoreFile(path) {
  const original = appendedFiles.get(path);
  if (original === undefined) return;
  truncateSync(path, original.size);
  utimesSync(path, original.seconds, original.seconds);
  appendedFiles.delete(path);
}

function restoreAllFiles() {
  for (const path of [...appendedFiles.keys()]) restoreFile(path);
}

/** Commands running now: a signal stops them before the files are restored and the scratch folder goes. */
const runningChildren = new Set();
let stopping = false;

process.on('exit', () => {
  restoreAllFiles();
  removeScratch();
});
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
]) {
  process.on(signal, () => {
    if (stopping) process.exit(code);
    stopping = true;
    const closed = [...runningChildren].map((child) => new Promise((resolvePromise) => child.once('close', resolvePromise)));
    for (const child of runningChildren) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    Promise.all(closed).then(() => process.exit(code));
  });
}

/**
 * Sets a file's times to a whole second and returns what restoring it needs.
 * Restoring the size and the exact modification time makes the file look
 * untouched to the index (utimes cannot set nanoseconds exactly, whole seconds
 * it can), so warm runs stay warm while other runs append and cut off.
 */
function pinFileTimes(path) {
  const seconds = Math.floor(statSync(path).mtimeMs / 1000);
  utimesSync(path, seconds, seconds);
  return { size: statSync(path).size, seconds };
}

function directoryBytes(directory) {
  let bytes = 0;
  for (const name of readdirSync(directory, { recursive: true })) {
    const info = statSync(join(directory, String(name)));
    if (info.isFile()) bytes += info.size;
  }
  return bytes;
}

/** The environment every tool runs in: a throw-away home, so no user config or logs are read. */
function createEnvironment() {
  const home = join(scratch(), 'home');
  for (const folder of ['.config', '.cache', '.local/share', '.local/state']) mkdirSync(join(home, folder), { recursive: true });
  return {
    home,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_CACHE_HOME: join(home, '.cache'),
      XDG_DATA_HOME: join(home, '.local/share'),
      XDG_STATE_HOME: join(home, '.local/state'),
      CLAUDE_CONFIG_DIR: join(home, '.claude-config'),
      CODEX_HOME: join(home, '.codex-home'),
      TZ: 'UTC',
      NO_COLOR: '1',
      LC_ALL: 'C',
    },
  };
}

// ------------------------------------------------------------- the benchmark

/**
 * The tools that read everything. `check` says which `usage report --json`
 * shaped output to compare with the generator's totals, and where mismatches go.
 */
function describeTools(directory, manifest, options, environment, problems) {
  const files = manifest.files;
  const inData = { cwd: directory, env: environment.env };
  const inHome = { cwd: environment.home, env: environment.env };
  const tools = [
    { name: 'cat', label: 'cat', steps: batchArguments(files).map((batch) => ({ command: 'cat', args: batch })), options: inData },
    { name: 'wc', label: 'wc -l', steps: batchArguments(files).map((batch) => ({ command: 'wc', args: ['-l', ...batch] })), options: inData },
    {
      name: 'naive',
      label: 'naive Node (split2 + JSON.parse)',
      steps: [{ command: process.execPath, args: [join(BENCH_DIR, 'naive.mjs'), directory] }],
      options: { ...inHome, capture: true },
      check: { into: problems.naive, expected: manifest.expected, prefix: '' },
    },
    {
      name: 'usage',
      // --no-cache: the index would make every run after the first a warm one.
      label: 'usage report --json --no-cache',
      steps: [{ command: process.execPath, args: [options.usage, 'report', '--json', '-q', '--no-cache', directory] }],
      options: { ...inHome, capture: true },
      check: { into: problems.usage, expected: manifest.expected, prefix: '' },
    },
  ];
  return options.naive ? tools : tools.filter((tool) => tool.name !== 'naive');
}

/**
 * The persistent index, each run with its own --cache-dir: cold (a fresh
 * empty folder each run, so the time includes writing the index), warm
 * (built beforehand, nothing changed) and appended (the index is up to date,
 * then a generated chunk of new lines is appended to the set's newest file;
 * afterwards the chunk is cut off and an untimed run brings the index up to
 * date again, its output checked too).
 */
function describeIndexTools(set, directory, manifest, options, environment, problems) {
  const base = join(scratch(), `index-${set}`);
  const coldDirectory = join(base, 'cold');
  const warmDirectory = join(base, 'warm');
  const appendDirectory = join(base, 'append');
  for (const folder of [warmDirectory, appendDirectory]) mkdirSync(folder, { recursive: true });
  const inHome = { cwd: environment.home, env: environment.env, capture: true };
  const argumentsFor = (cacheDirectory) => [options.usage, 'report', '--json', '-q', '--cache-dir', cacheDirectory, directory];
  const check = (label, expected) => ({ into: problems, expected, prefix: `${label}: ` });
  const runUntimed = async (cacheDirectory, label) => {
    const result = await runOnce(process.execPath, argumentsFor(cacheDirectory), { ...inHome, wrap: false });
    if (result.code !== 0) throw new Error(`${label} exited with ${result.code}: ${result.stderr.trim().slice(0, 2000)}`);
    problems.push(...checkOutput(label, result.stdout, manifest.expected).map((problem) => `${label}: ${problem}`));
  };
  const describe = (name, label, cacheDirectory, hooks) => ({
    name,
    label,
    steps: [{ command: process.execPath, args: argumentsFor(cacheDirectory) }],
    options: inHome,
    check: check(label, manifest.expected),
    ...hooks,
  });

  const target = manifest.files.at(-1);
  const targetPath = join(directory, target);
  const original = pinFileTimes(targetPath);
  const chunk = generateAppend({ set, seed: manifest.seed });
  const appendLabel = `usage (index, ${APPEND_BYTES / MB} MB appended)`;
  const tools = [
    describe('index_cold', 'usage (index cold)', coldDirectory, {
      before: () => {
        rmSync(coldDirectory, { recursive: true, force: true });
        mkdirSync(coldDirectory, { recursive: true });
      },
    }),
    describe('index_warm', 'usage (index warm)', warmDirectory, {
      setup: () => runUntimed(warmDirectory, 'building the warm index'),
    }),
    describe('index_append', appendLabel, appendDirectory, {
      check: check(appendLabel, addExpected(manifest.expected, chunk.expected)),
      setup: () => runUntimed(appendDirectory, 'building the index for appending'),
      before: () => {
        appendedFiles.set(targetPath, original);
        appendFileSync(targetPath, chunk.text);
      },
      after: async () => {
        restoreFile(targetPath);
        await runUntimed(appendDirectory, 'index after cutting the appended lines off');
      },
    }),
  ];
  return {
    tools,
    warmDirectory,
    append: { file: target, bytes: chunk.expected.sources.bytes, lines: chunk.expected.sources.lines },
  };
}

function checkOutput(tool, stdout, expected) {
  try {
    return compareReport(JSON.parse(stdout), expected);
  } catch (error) {
    return [`${tool} printed something that is not JSON: ${error.message}`];
  }
}

function recordCheck(tool, stdout) {
  if (!tool.check) return;
  const { into, expected, prefix } = tool.check;
  into.push(...checkOutput(tool.name, stdout, expected).map((problem) => `${prefix}${problem}`));
}

/** The sizes of the files must add up to the manifest's: a run killed with bytes appended leaves them off. */
function matchesManifest(directory, manifest) {
  let bytes = 0;
  for (const file of manifest.files) {
    try {
      bytes += statSync(join(directory, file)).size;
    } catch {
      return false;
    }
  }
  return bytes === manifest.expected.sources.bytes;
}

function summarizeSamples(tool, { seconds, rssKiB, cpuSeconds }, bytes) {
  const mid = median(seconds);
  return {
    label: tool.label,
    median_s: round(mid, 4),
    min_s: round(Math.min(...seconds), 4),
    max_s: round(Math.max(...seconds), 4),
    mb_per_s: round(bytes / MB / mid, 1),
    median_cpu_s: cpuSeconds.length > 0 ? round(median(cpuSeconds), 3) : null,
    peak_rss_mib: rssKiB.length > 0 ? round(Math.max(...rssKiB) / 1024, 1) : null,
    median_rss_mib: rssKiB.length > 0 ? round(median(rssKiB) / 1024, 1) : null,
    runs: seconds.length,
  };
}

async function benchmarkSet(set, options, environment) {
  const directory = setDirectory(set, options.sizeMB);
  note(`\n${set} ${options.sizeMB} MB: generating (or reusing) ${directory}`);
  let manifest = generateSet({ set, sizeMB: options.sizeMB });
  if (!matchesManifest(directory, manifest)) {
    note('  the files differ from the manifest (an interrupted run?): generating again');
    manifest = generateSet({ set, sizeMB: options.sizeMB, force: true });
  }
  const { expected } = manifest;
  note(`  ${expected.sources.files} files, ${expected.sources.lines} lines, ${(expected.sources.bytes / MB).toFixed(1)} MB`);
  const problems = { usage: [], naive: [], index: [] };
  const tools = describeTools(directory, manifest, options, environment, problems);
  const index = options.index ? describeIndexTools(set, directory, manifest, options, environment, problems.index) : null;
  if (index) tools.push(...index.tools);
  const samples = Object.fromEntries(tools.map((tool) => [tool.name, { seconds: [], rssKiB: [], cpuSeconds: [] }]));
  const load = [loadavg()[0]];

  // One untimed pass warms the page cache and every tool's code paths.
  note('  warming up');
  for (const tool of tools) await tool.setup?.();
  for (const tool of tools) recordCheck(tool, (await runTool(tool)).stdout);
  for (let round = 0; round < options.runs; round++) {
    const order = tools.map((_, position) => tools[(position + round) % tools.length]);
    for (const tool of order) {
      const result = await runTool(tool);
      samples[tool.name].seconds.push(result.seconds);
      if (result.rssKiB !== null) samples[tool.name].rssKiB.push(result.rssKiB);
      if (result.cpuSeconds !== null) samples[tool.name].cpuSeconds.push(result.cpuSeconds);
      recordCheck(tool, result.stdout);
    }
    note(`  round ${round + 1}/${options.runs}: ${order.map((tool) => `${tool.name} ${samples[tool.name].seconds.at(-1).toFixed(3)} s`).join(', ')}`);
  }

  load.push(loadavg()[0]);
  const indexNames = new Set(index?.tools.map((tool) => tool.name) ?? []);
  const results = {};
  const indexResults = {};
  for (const tool of tools) {
    const into = indexNames.has(tool.name) ? indexResults : results;
    into[tool.name] = summarizeSamples(tool, samples[tool.name], expected.sources.bytes);
  }
  const unique = (list) => [...new Set(list)];
  const indexBytes = index ? directoryBytes(index.warmDirectory) : null;
  return {
    set,
    size_mb: options.sizeMB,
    bytes: expected.sources.bytes,
    files: expected.sources.files,
    lines: expected.sources.lines,
    records: expected.totals.records,
    malformed: expected.skipped.lines,
    generator: GENERATOR_VERSION,
    tools: results,
    correct: problems.usage.length === 0,
    problems: unique(problems.usage).slice(0, 20),
    naive_correct: options.naive ? problems.naive.length === 0 : null,
    index: index
      ? {
          tools: indexResults,
          bytes: indexBytes,
          ratio: round(indexBytes / expected.sources.bytes, 4),
          append: index.append,
          correct: problems.index.length === 0,
          problems: unique(problems.index).slice(0, 20),
        }
      : null,
    load_average: load.map((value) => round(value, 2)),
  };
}

/** A Claude transcript of about 1 KB: one prompt, one response. */
function writeTinyFile() {
  const directory = join(DATA_DIR, 'tiny-1KB');
  mkdirSync(directory, { recursive: true });
  const common = { parentUuid: null, isSidechain: false, userType: 'external', cwd: '/home/dev/tiny', sessionId: 'tiny-session', version: '2.0.14' };
  const user = { ...common, type: 'user', message: { role: 'user', content: 'x'.repeat(300) }, uuid: 'u1', timestamp: '2025-06-01T10:00:00.000Z' };
  const assistant = {
    ...common,
    message: {
      id: 'msg_tiny',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text: 'y'.repeat(200) }],
      usage: { input_tokens: 3, cache_creation_input_tokens: 10, cache_read_input_tokens: 20, output_tokens: 5 },
    },
    requestId: 'req_tiny',
    type: 'assistant',
    uuid: 'u2',
    timestamp: '2025-06-01T10:00:05.000Z',
  };
  const path = join(directory, 'session.jsonl');
  writeFileSync(path, `${JSON.stringify(user)}\n${JSON.stringify(assistant)}\n`);
  return path;
}

async function benchmarkStartup(options, environment) {
  const tiny = writeTinyFile();
  const inHome = { cwd: environment.home, env: environment.env, capture: true, wrap: false };
  const tools = [
    { name: 'node', label: 'node -e 0', steps: [{ command: process.execPath, args: ['-e', '0'] }], options: inHome },
    { name: 'version', label: 'usage --version', steps: [{ command: process.execPath, args: [options.usage, '--version'] }], options: inHome },
    {
      name: 'tiny',
      label: `usage report --json --no-cache (${statSync(tiny).size} B file)`,
      steps: [{ command: process.execPath, args: [options.usage, 'report', '--json', '-q', '--no-cache', tiny] }],
      options: inHome,
    },
    // Warm: the first (unsampled) run below computes and caches the answer; the timed runs answer from that cache.
    {
      name: 'statusline',
      label: 'usage statusline (warm)',
      steps: [{ command: process.execPath, args: [options.usage, 'statusline', '--max-age', '3600', dirname(tiny)] }],
      options: inHome,
    },
  ];
  const samples = Object.fromEntries(tools.map((tool) => [tool.name, []]));
  note(`\nstart-up: ${options.startupRuns} rounds`);
  for (const tool of tools) await runTool(tool);
  let tinyProblems = [];
  for (let index = 0; index < options.startupRuns; index++) {
    for (const tool of tools.map((_, position) => tools[(position + index) % tools.length])) {
      const result = await runTool(tool);
      samples[tool.name].push(result.seconds);
      if (tool.name === 'tiny' && index === 0) {
        const report = JSON.parse(result.stdout);
        if (report.totals?.total_tokens !== 3 + 10 + 20 + 5) tinyProblems = [`tiny file: total_tokens ${report.totals?.total_tokens}, expected 38`];
      }
    }
  }
  const results = {};
  for (const tool of tools) results[tool.name] = { label: tool.label, median_s: round(median(samples[tool.name]), 4), runs: samples[tool.name].length };
  return { tools: results, problems: tinyProblems };
}

// --------------------------------------------------------------- reporting

function round(value, digits) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function readCommit(bin) {
  try {
    const cwd = dirname(bin);
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '../src'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${commit} + uncommitted src changes` : commit;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function toolVersion(command) {
  const result = spawnSync(command, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.split('\n')[0] : 'unknown';
}

function describeMachine() {
  const processors = cpus();
  return {
    cores: processors.length,
    cpu: processors[0]?.model ?? 'unknown',
    memory_gib: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    kernel: release(),
    coreutils: toolVersion('wc'),
    peak_rss_from: GNU_TIME ? 'GNU time (%M)' : '/proc/<pid>/status VmHWM, sampled every 5 ms',
  };
}

/** Warns when dist/ is older than src/: the figures would describe old code. */
function checkBuild(bin) {
  if (bin !== join(ROOT, 'bin', 'usage.js')) return;
  const newest = (directory, extension) => {
    let latest = 0;
    if (!existsSync(directory)) return latest;
    for (const name of readdirSync(directory, { recursive: true })) {
      if (String(name).endsWith(extension)) latest = Math.max(latest, statSync(join(directory, String(name))).mtimeMs);
    }
    return latest;
  };
  const built = newest(join(ROOT, 'dist'), '.js');
  if (built === 0) fail('dist/ is missing: run `npm run build` first.');
  if (newest(join(ROOT, 'src'), '.ts') > built) note('warning: src/ has changes newer than dist/; run `npm run build` to measure them.');
}

function readStore() {
  try {
    return JSON.parse(readFileSync(RESULTS_JSON, 'utf8'));
  } catch {
    return { sets: {}, startup: null };
  }
}

const mark = (pass) => (pass === null ? 'n/a' : pass ? 'PASS' : 'FAIL');
const seconds = (value) => (value === undefined ? '–' : value.toFixed(3));
const ratio = (a, b) => (a === undefined || b === undefined ? null : round(a / b, 2));
const mib = (value) => (value === null || value === undefined ? '–' : value.toFixed(1));

/** Every target for one set and size, as rows of [target, figure, verdict]. */
function evaluateSet(entry, store) {
  const usage = entry.tools.usage;
  const wc = entry.tools.wc;
  const official = entry.size_mb === TARGETS.officialSizeMB;
  const scope = official ? '' : ` (target is at ${TARGETS.officialSizeMB} MB; indicative here)`;
  const speed = ratio(usage?.median_s, wc?.median_s);
  const rows = [
    ['exact totals (records, each token kind, malformed, duplicates)', entry.correct ? 'all match' : `${entry.problems.length} mismatches`, mark(entry.correct)],
    [`usage / wc -l ≤ ${TARGETS.speedRatio}${scope}`, String(speed), mark(speed === null ? null : speed <= TARGETS.speedRatio)],
    [
      `peak RSS ≤ ${TARGETS.rssMiB} MiB${scope}`,
      `${mib(usage?.peak_rss_mib)} MiB`,
      mark(usage?.peak_rss_mib == null ? null : usage.peak_rss_mib <= TARGETS.rssMiB),
    ],
  ];
  if (official) {
    const small = store.sets[`${entry.set}-100`];
    const growth = small?.tools.usage?.peak_rss_mib ? ratio(usage?.peak_rss_mib, small.tools.usage.peak_rss_mib) : null;
    const sameCode = small && small.commit === entry.commit ? '' : ' (100 MB figure from another run)';
    rows.push([
      `peak RSS ≤ ${TARGETS.rssGrowth}× the 100 MB figure`,
      growth === null ? 'no 100 MB figure yet' : `${growth}×${sameCode}`,
      mark(growth === null ? null : growth <= TARGETS.rssGrowth),
    ]);
  }
  return rows;
}

const megabytes = (bytes) => (bytes / MB).toFixed(bytes < 10 * MB ? 2 : 1);
const percent = (value) => (value === null ? '–' : `${(value * 100).toFixed(1)}%`);

/** The index targets for one set and size, as rows of [target, figure, verdict]. */
function evaluateIndex(entry) {
  const index = entry.index;
  const cold = entry.tools.usage?.median_s;
  const warm = index.tools.index_warm?.median_s;
  const appended = index.tools.index_append?.median_s;
  const official = entry.size_mb === TARGETS.officialSizeMB;
  const scope = official ? '' : ` (target is at ${TARGETS.officialSizeMB} MB; indicative here)`;
  const share = (value) => (value === undefined || cold === undefined ? null : value / cold);
  const warmShare = share(warm);
  const appendShare = share(appended);
  const sizeScope = entry.set === 'claude' ? scope : ' (the target is for Claude transcripts)';
  return [
    [
      'exact totals (index cold, warm, appended, and after cutting the appended lines off)',
      index.correct ? 'all match' : `${index.problems.length} mismatches`,
      mark(index.correct),
    ],
    [`index warm ≤ ${TARGETS.indexWarmRatio * 100}% of --no-cache${scope}`, percent(warmShare), mark(warmShare === null ? null : warmShare <= TARGETS.indexWarmRatio)],
    [`index warm ≤ ${TARGETS.indexWarmMs} ms${scope}`, warm === undefined ? '–' : `${(warm * 1000).toFixed(0)} ms`, mark(warm === undefined ? null : warm * 1000 <= TARGETS.indexWarmMs)],
    [
      `${index.append.bytes >= MB ? `${(index.append.bytes / MB).toFixed(1)} MB` : `${index.append.bytes} B`} appended ≤ ${TARGETS.indexAppendRatio * 100}% of --no-cache${scope}`,
      percent(appendShare),
      mark(appendShare === null ? null : appendShare <= TARGETS.indexAppendRatio),
    ],
    [
      `index size ≤ ${TARGETS.indexSizeRatio * 100}% of the log bytes${sizeScope}`,
      `${megabytes(index.bytes)} MB, ${percent(index.ratio)}`,
      entry.set === 'claude' ? mark(index.ratio <= TARGETS.indexSizeRatio) : 'n/a',
    ],
  ];
}

function evaluateStartup(startup) {
  const base = startup.tools.node.median_s;
  const version = ratio(startup.tools.version.median_s, base);
  const tiny = ratio(startup.tools.tiny.median_s, base);
  return [
    [`usage --version ≤ ${TARGETS.startupRatio}× node -e 0`, `${version}×`, mark(version <= TARGETS.startupRatio)],
    [`usage report (1 KB) ≤ ${TARGETS.startupRatio}× node -e 0`, `${tiny}×`, mark(tiny <= TARGETS.startupRatio && startup.problems.length === 0)],
    ...(startup.tools.statusline
      ? [[`usage statusline (warm) ≤ ${TARGETS.startupRatio}× node -e 0`, `${ratio(startup.tools.statusline.median_s, base)}×`, mark(ratio(startup.tools.statusline.median_s, base) <= TARGETS.startupRatio)]]
      : []),
  ];
}

function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

function describeCode(entry) {
  const known = !entry.commit.startsWith('unknown');
  if (known && entry.label) return `commit ${entry.commit} (${entry.label})`;
  return known ? `commit ${entry.commit}` : entry.label || 'code of unknown commit';
}

/** The first cells of a timing row: tool, median, range and CPU seconds. */
function describeTiming(tool) {
  return [
    tool.label,
    seconds(tool.median_s),
    `${seconds(tool.min_s)}–${seconds(tool.max_s)}`,
    tool.median_cpu_s == null ? '–' : tool.median_cpu_s.toFixed(2),
  ];
}

function renderSet(entry, store) {
  const wc = entry.tools.wc?.median_s;
  const naive = entry.tools.naive?.median_s;
  const rows = Object.values(entry.tools).map((tool) => [
    ...describeTiming(tool),
    tool.mb_per_s.toFixed(0),
    mib(tool.peak_rss_mib),
    wc ? `${(tool.median_s / wc).toFixed(2)}×` : '–',
  ]);
  const usage = entry.tools.usage?.median_s;
  const lines = [
    `### ${entry.set === 'claude' ? 'Claude transcripts' : 'Flat bamboo records'}, ${entry.size_mb} MB`,
    '',
    `${(entry.bytes / MB).toFixed(1)} MB in ${entry.files} files, ${entry.lines.toLocaleString('en-US')} lines, ${entry.records.toLocaleString('en-US')} records, ${entry.malformed} malformed lines. Measured ${entry.date}, ${describeCode(entry)}; median of ${entry.tools.usage?.runs ?? '?'} alternating runs; 1-minute load average ${entry.load_average?.join(' → ') ?? 'not recorded'}.`,
    '',
    table(['tool', 'median s', 'range s', 'CPU s', 'MB/s', 'peak RSS MiB', '÷ wc -l'], rows),
    '',
    `usage / wc -l = **${ratio(usage, wc) ?? '–'}**, usage / naive = **${ratio(usage, naive) ?? '–'}**, usage / cat = ${ratio(usage, entry.tools.cat?.median_s) ?? '–'}.`,
    '',
    table(['target', 'measured', 'verdict'], evaluateSet(entry, store)),
  ];
  if (!entry.correct) lines.push('', 'Mismatches:', '', ...entry.problems.map((problem) => `- ${problem}`));
  if (entry.naive_correct === false) lines.push('', 'Note: the naive loop did not reproduce the expected totals.');
  if (entry.index) lines.push('', renderIndex(entry));
  return lines.join('\n');
}

function renderIndex(entry) {
  const { index } = entry;
  const cold = entry.tools.usage?.median_s;
  const rows = Object.values(index.tools).map((tool) => [
    ...describeTiming(tool),
    mib(tool.peak_rss_mib),
    cold ? `${((tool.median_s / cold) * 100).toFixed(1)}%` : '–',
  ]);
  const lines = [
    '#### Persistent index',
    '',
    `\`usage report --json -q --cache-dir <dir>\`, in the same alternating rounds: cold builds the index in an empty folder each run (writing it included); warm finds nothing changed; appended reads ${index.append.lines.toLocaleString('en-US')} new lines (${(index.append.bytes / MB).toFixed(2)} MB) appended to \`${index.append.file}\` after the index was up to date. The index takes ${megabytes(index.bytes)} MB, ${percent(index.ratio)} of the log bytes.`,
    '',
    table(['run', 'median s', 'range s', 'CPU s', 'peak RSS MiB', '÷ --no-cache'], rows),
    '',
    table(['target', 'measured', 'verdict'], evaluateIndex(entry)),
  ];
  if (!index.correct) lines.push('', 'Mismatches:', '', ...index.problems.map((problem) => `- ${problem}`));
  return lines.join('\n');
}

function renderStartup(startup) {
  const base = startup.tools.node.median_s;
  const rows = Object.values(startup.tools).map((tool) => [tool.label, (tool.median_s * 1000).toFixed(1), `${(tool.median_s / base).toFixed(2)}×`]);
  return [
    '### Start-up',
    '',
    `Measured ${startup.date}, ${describeCode(startup)}; median of ${startup.tools.node.runs} alternating runs.`,
    '',
    table(['command', 'median ms', '÷ node -e 0'], rows),
    '',
    table(['target', 'measured', 'verdict'], evaluateStartup(startup)),
  ].join('\n');
}

function renderMarkdown(store) {
  const machine = store.machine;
  const entries = Object.values(store.sets).sort((a, b) => a.set.localeCompare(b.set) || a.size_mb - b.size_mb);
  const parts = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.mjs); do not edit by hand. The data is generated',
    'deterministically by bench/generate.mjs, and every `usage` run is checked against the',
    "generator's exact totals. `--no-cache` runs read everything; the persistent-index runs each",
    'have their own `--cache-dir`. Wall time is the median of alternating runs on a warm page cache;',
    'peak RSS is the largest over the runs; CPU s is user + system time of the command (all',
    'threads), which other load on the machine disturbs far less than wall time. The official',
    'targets apply to the 1000 MB sets.',
    '',
    `Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memory_gib} GiB RAM, Node ${machine.node}, Linux ${machine.kernel}, ${machine.coreutils}. Peak RSS from ${machine.peak_rss_from}.`,
    '',
    `Last command: \`${store.command}\``,
  ];
  for (const entry of entries) parts.push('', renderSet(entry, store));
  if (store.startup) parts.push('', renderStartup(store.startup));
  parts.push(
    '',
    '## How to reproduce',
    '',
    '```sh',
    'npm run build',
    'npm run bench -- --size 100          # both sets, 5 rounds',
    'npm run bench -- --size 1000 --runs 5 # the official targets (needs ~2 GB of disk)',
    '```',
    '',
    'Tools: `cat <files> > /dev/null`; `wc -l <files>`; `node bench/naive.mjs <dir>` (createReadStream +',
    'split2 + JSON.parse on every line, usage summed with a Map for repeated responses); and',
    '`node bin/usage.js report --json -q --no-cache <dir>`. All run in a throw-away HOME with TZ=UTC.',
    '',
    'The persistent index is timed in the same rounds (`--no-index` skips it), as',
    '`node bin/usage.js report --json -q --cache-dir <folder> <dir>` with one folder per kind of run:',
    'cold gets a fresh empty folder each run; warm a folder built beforehand, with nothing changed;',
    `appended a folder that is up to date when ~${APPEND_BYTES / MB} MB of complete new lines (generated by`,
    '`generateAppend` in bench/generate.mjs, with their exact totals and fresh message ids) is',
    "appended to the set's newest file. After each appended run the file is cut back to its size",
    'and modification time, and an untimed run brings the index up to date again; the data folder',
    'is restored on exit and on Ctrl-C too. The index size is the bytes in the warm folder.',
    '',
  );
  return parts.join('\n');
}

function printSummary(entries, startup) {
  for (const entry of entries) {
    const rows = Object.values(entry.tools).map(
      (tool) =>
        `  ${tool.label.padEnd(34)} ${seconds(tool.median_s).padStart(8)} s (cpu ${tool.median_cpu_s == null ? '–' : tool.median_cpu_s.toFixed(2)} s) ${tool.mb_per_s.toFixed(0).padStart(6)} MB/s ${mib(tool.peak_rss_mib).padStart(7)} MiB`,
    );
    process.stdout.write(`\n${entry.set} ${entry.size_mb} MB (${entry.files} files, ${entry.lines} lines)\n${rows.join('\n')}\n`);
    process.stdout.write(
      `  usage / wc -l = ${ratio(entry.tools.usage?.median_s, entry.tools.wc?.median_s)}, usage / naive = ${ratio(entry.tools.usage?.median_s, entry.tools.naive?.median_s)}, exact totals: ${mark(entry.correct)}\n`,
    );
    for (const problem of entry.problems) process.stdout.write(`    ${problem}\n`);
    if (!entry.index) continue;
    const cold = entry.tools.usage?.median_s;
    for (const tool of Object.values(entry.index.tools)) {
      const share = cold ? `${((tool.median_s / cold) * 100).toFixed(1)}% of --no-cache` : '';
      process.stdout.write(
        `  ${tool.label.padEnd(34)} ${seconds(tool.median_s).padStart(8)} s (cpu ${tool.median_cpu_s == null ? '–' : tool.median_cpu_s.toFixed(2)} s) ${mib(tool.peak_rss_mib).padStart(7)} MiB  ${share}\n`,
      );
    }
    process.stdout.write(`  index ${megabytes(entry.index.bytes)} MB = ${percent(entry.index.ratio)} of the log bytes, exact totals: ${mark(entry.index.correct)}\n`);
    for (const problem of entry.index.problems) process.stdout.write(`    ${problem}\n`);
    for (const [target, measured, verdict] of evaluateIndex(entry).slice(1)) process.stdout.write(`    ${verdict.padEnd(4)} ${target}: ${measured}\n`);
  }
  if (startup) {
    const base = startup.tools.node.median_s;
    process.stdout.write('\nstart-up\n');
    for (const tool of Object.values(startup.tools)) {
      process.stdout.write(`  ${tool.label.padEnd(46)} ${(tool.median_s * 1000).toFixed(1).padStart(7)} ms ${(tool.median_s / base).toFixed(2)}×\n`);
    }
  }
}

// --------------------------------------------------------------------- main

async function main() {
  const options = parseArguments(process.argv.slice(2));
  if (!existsSync(options.usage)) fail(`no usage entry point at ${options.usage}.`);
  checkBuild(options.usage);
  const sets = options.set === 'all' ? SETS : [options.set];
  mkdirSync(DATA_DIR, { recursive: true });
  const free = statfsSync(DATA_DIR);
  const needed = sets.length * options.sizeMB * MB;
  if (free.bavail * free.bsize < needed * 1.2) note(`warning: ${(needed / MB).toFixed(0)} MB of data needed, only ${((free.bavail * free.bsize) / MB).toFixed(0)} MB free`);

  const environment = createEnvironment();
  const quote = (argument) => (/^[\w./=:-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", "'\\''")}'`);
  const command = `npm run bench -- ${process.argv.slice(2).map(quote).join(' ')}`.trim();
  const stamp = {
    date: new Date().toISOString().slice(0, 16).replace('T', ' '),
    commit: readCommit(options.usage),
    label: options.label,
  };
  const entries = [];
  for (const set of sets) entries.push({ ...(await benchmarkSet(set, options, environment)), ...stamp });
  const startup = options.startupRuns > 0 ? { ...(await benchmarkStartup(options, environment)), ...stamp } : null;
  printSummary(entries, startup);

  if (options.save) {
    const store = readStore();
    store.machine = describeMachine();
    store.command = command;
    for (const entry of entries) store.sets[`${entry.set}-${entry.size_mb}`] = entry;
    if (startup) store.startup = startup;
    writeFileSync(RESULTS_JSON, `${JSON.stringify(store, null, 1)}\n`);
    writeFileSync(RESULTS_MD, renderMarkdown(store));
    note(`\nwrote ${RESULTS_MD}`);
  }
  if (options.clean) for (const set of sets) rmSync(setDirectory(set, options.sizeMB), { recursive: true, force: true });
  removeScratch();

  const wrong = entries.some((entry) => !entry.correct || entry.index?.correct === false) || (startup?.problems.length ?? 0) > 0;
  if (wrong) {
    note('FAIL: usage reported figures that differ from the generated data.');
    return 1;
  }
  if (options.strict) {
    const store = readStore();
    const verdicts = [
      ...entries.flatMap((entry) => [...evaluateSet(entry, store), ...(entry.index ? evaluateIndex(entry) : [])]),
      ...(startup ? evaluateStartup(startup) : []),
    ];
    if (verdicts.some((row) => row[2] === 'FAIL')) return 1;
  }
  return 0;
}

process.exitCode = await main();
