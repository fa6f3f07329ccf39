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
 * against the generator's exact totals. Beside them, in the same rounds, the
 * peers a user would reach for instead: ccusage 20 (its native binary, on the
 * Claude set; installed by the bench into bench/.peers from the npm registry)
 * and DuckDB `read_json` with a fixed schema (bench/duckdb-peer.mjs; on the
 * flat set, and on the Claude set for information). Their totals are compared
 * with the generator's too, and every difference printed, but a peer's
 * difference never fails the bench; a peer that cannot be installed or loaded
 * is reported in one line instead. Also times start-up (`node -e 0`,
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
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  statfsSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APPEND_BYTES, DATA_DIR, GENERATOR_VERSION, SETS, addExpected, generateAppend, generateSet, setDirectory } from './generate.mjs';
import { compareReport } from './verify.mjs';
import { hermeticEnvironment, prepareHome } from '../scripts/hermetic-env.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const RESULTS_JSON = join(BENCH_DIR, 'results.json');
const RESULTS_MD = join(BENCH_DIR, 'RESULTS.md');
const MB = 1_000_000;

/**
 * The peers of issue 12. ccusage is installed once into a cache folder
 * (git-ignored; USAGE_BENCH_PEERS_DIR moves it, e.g. for the test); its npm
 * package is a launcher, and the platform package beside it holds the native
 * binary that is timed directly.
 */
const CCUSAGE_VERSION = '20.0.24';
const PEERS_DIR = resolve(process.env.USAGE_BENCH_PEERS_DIR || join(BENCH_DIR, '.peers'));
const DUCKDB_PEER = join(BENCH_DIR, 'duckdb-peer.mjs');

/** The issue's targets. */
const TARGETS = {
  officialSizeMB: 1000,
  speedRatio: 1.0,
  /** Claude set, --no-cache against ccusage 20's native binary: CPU time, and wall time. */
  ccusageCpuRatio: 0.5,
  ccusageWallRatio: 0.6,
  /** Flat set, --no-cache wall time against DuckDB read_json. */
  duckdbWallRatio: 1.0,
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
  --startup-only       measure only the start-up figures (no data set is generated or read)
  --usage <bin>        the usage entry point to measure (default bin/usage.js of this checkout)
  --label <text>       a note stored with the figures (e.g. which commit or experiment)
  --no-naive           skip the naive Node loop (it is the slowest tool)
  --no-index           skip the persistent-index runs (cold, warm, appended)
  --no-peers           skip the peers (ccusage ${CCUSAGE_VERSION}, DuckDB read_json)
  --data-dir <dir>     where the data sets are generated or reused (default bench/data)
  --no-save            print only; leave results.json and RESULTS.md alone
  --render-only        measure nothing: rewrite RESULTS.md from results.json (after a change to this writer)
  --strict             exit 1 when a target is missed, not only on wrong figures
  --clean              delete the generated data afterwards
environment: USAGE_BENCH_PEERS_DIR=<dir> is where ccusage is installed (default bench/.peers)`;

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
    peers: true,
    dataDirectory: DATA_DIR,
    save: true,
    renderOnly: false,
    strict: false,
    clean: false,
    startupOnly: false,
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
      case '--no-peers':
        options.peers = false;
        break;
      case '--data-dir':
        options.dataDirectory = resolve(value ?? '');
        index++;
        break;
      case '--render-only':
        options.renderOnly = true;
        break;
      case '--startup-only':
        options.startupOnly = true;
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

/**
 * A view of a set's folder in `into`: every file a symbolic link to the
 * original, `copied` (a path relative to the set) a copy of its own, safe to
 * append to. Symbolic, not hard links: making or removing a hard link sets
 * the original's ctime, which would make every index over the set read it
 * again.
 */
function linkSetFiles(from, into, copied) {
  rmSync(into, { recursive: true, force: true });
  for (const name of readdirSync(from, { recursive: true })) {
    const source = join(from, String(name));
    const destination = join(into, String(name));
    const info = statSync(source);
    if (info.isDirectory()) {
      mkdirSync(destination, { recursive: true });
      continue;
    }
    mkdirSync(dirname(destination), { recursive: true });
    if (String(name) === copied) {
      copyFileSync(source, destination);
      continue;
    }
    symlinkSync(resolve(source), destination);
  }
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
  const home = prepareHome(join(scratch(), 'home'));
  return { home, env: hermeticEnvironment(home, { LC_ALL: 'C' }) };
}

// ----------------------------------------------------------------- the peers

/** The first line that says something, for a one-line reason. */
function firstLine(text, fallback) {
  const lines = String(text ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^npm (error|ERR!) (A complete log|Log files)/.test(line));
  return lines.find((line) => /error|ERR!|not found|ENO|EAI_|ECONN/i.test(line)) ?? lines[0] ?? fallback;
}

/**
 * Installs ccusage (once; the cache folder is reused) and checks that its
 * native binary runs. Returns { available, version, bin, reason }: a failed
 * install (offline, a platform without a binary package) is a reason, not an
 * error, so the bench goes on without the peer.
 */
function prepareCcusage() {
  const platformPackage = `@ccusage/ccusage-${process.platform}-${process.arch}`;
  const prefix = join(PEERS_DIR, `ccusage-${CCUSAGE_VERSION}`);
  const bin = join(prefix, 'node_modules', platformPackage, 'bin', process.platform === 'win32' ? 'ccusage.exe' : 'ccusage');
  const unavailable = (reason) => ({ available: false, version: CCUSAGE_VERSION, bin: null, reason });
  if (!existsSync(bin)) {
    note(`peers: installing ccusage@${CCUSAGE_VERSION} into ${prefix}`);
    mkdirSync(prefix, { recursive: true });
    const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', prefix, `ccusage@${CCUSAGE_VERSION}`], {
      encoding: 'utf8',
      timeout: 300_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (install.error || install.status !== 0) {
      return unavailable(`npm install ccusage@${CCUSAGE_VERSION} failed: ${firstLine(install.stderr || install.error?.message, `exit ${install.status}`)}`);
    }
    if (!existsSync(bin)) return unavailable(`ccusage@${CCUSAGE_VERSION} installed, but without a native binary for ${process.platform}-${process.arch} (${platformPackage})`);
  }
  // npm unpacks the binary without its execute bit.
  try {
    chmodSync(bin, 0o755);
  } catch (error) {
    return unavailable(`cannot make ${bin} executable: ${error.message}`);
  }
  const probe = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.error || probe.status !== 0) return unavailable(`the ccusage binary does not run here: ${firstLine(probe.stderr || probe.error?.message, `exit ${probe.status}`)}`);
  // It prints "ccusage 20.0.24"; the number is what the results name.
  const version = /\d+\.\d+\.\d+\S*/.exec(probe.stdout)?.[0] ?? CCUSAGE_VERSION;
  return { available: true, version, bin, reason: null };
}

/** DuckDB comes with the optional dependency @duckdb/node-api; it may be missing or not load on this platform. */
function prepareDuckdb() {
  const probe = spawnSync(process.execPath, [DUCKDB_PEER, '--check'], { encoding: 'utf8', timeout: 60_000 });
  if (probe.error || probe.status !== 0) {
    return { available: false, version: null, reason: firstLine(probe.stderr || probe.error?.message, `exit ${probe.status}`) };
  }
  return { available: true, version: probe.stdout.trim(), reason: null };
}

/** ccusage only reads Claude transcripts, so it is installed only when that set is measured. */
function preparePeers(options, sets) {
  const skipped = (reason) => ({ available: false, version: null, reason });
  if (!options.peers || sets.length === 0) return { ccusage: { ...skipped('skipped (--no-peers)'), version: CCUSAGE_VERSION }, duckdb: skipped('skipped (--no-peers)') };
  const peers = {
    ccusage: sets.includes('claude') ? prepareCcusage() : { ...skipped('the Claude set is not measured'), version: CCUSAGE_VERSION },
    duckdb: prepareDuckdb(),
  };
  for (const [name, peer] of Object.entries(peers)) note(`peers: ${name} ${peer.available ? peer.version : `not measured: ${peer.reason}`}`);
  return peers;
}

/** ccusage's JSON totals, named as `usage report --json` names them. */
const CCUSAGE_TOTALS = {
  input_tokens: 'inputTokens',
  output_tokens: 'outputTokens',
  cache_read_tokens: 'cacheReadTokens',
  cache_write_tokens: 'cacheCreationTokens',
  total_tokens: 'totalTokens',
};
const DUCKDB_TOTALS = ['records', 'input_tokens', 'output_tokens', 'reasoning_tokens', 'cache_read_tokens', 'cache_write_tokens', 'total_tokens'];

/**
 * A peer's totals against the generator's exact ones: { agrees, differences:
 * [{ key, got, expected }] }, or { error } when its output cannot be read.
 * Only the figures the peer reports are compared.
 */
function comparePeerTotals(totals, keys, expected) {
  if (totals === null || typeof totals !== 'object') return { agrees: false, error: 'no totals in its output', differences: [] };
  const differences = [];
  for (const key of keys) {
    const got = totals[key];
    if (got !== expected.totals[key]) differences.push({ key, got: got ?? null, expected: expected.totals[key] });
  }
  return { agrees: differences.length === 0, differences };
}

function readPeerOutput(name, stdout, expected) {
  let document;
  try {
    document = JSON.parse(stdout);
  } catch (error) {
    return { agrees: false, error: `${name} printed something that is not JSON: ${error.message}`, differences: [] };
  }
  if (name === 'ccusage') {
    const source = document?.totals ?? null;
    const totals = source && Object.fromEntries(Object.entries(CCUSAGE_TOTALS).map(([key, theirs]) => [key, source[theirs]]));
    return comparePeerTotals(totals, Object.keys(CCUSAGE_TOTALS), expected);
  }
  return comparePeerTotals(document?.totals ?? null, DUCKDB_TOTALS, expected);
}

/** One sentence per peer: agreement, or each token kind that differs, with its share. */
function describeAgreement(check) {
  if (!check) return 'not compared';
  if (check.error) return check.error;
  if (check.agrees) return "agrees with the generator's exact totals";
  const parts = check.differences.map(({ key, got, expected }) => {
    const share = expected ? ` (${got >= expected ? '+' : ''}${(((got - expected) / expected) * 100).toFixed(2)}%)` : '';
    return `${key} ${formatCount(got)} vs ${formatCount(expected)}${share}`;
  });
  return `differs from the generator's exact totals: ${parts.join('; ')}`;
}

const formatCount = (value) => (typeof value === 'number' ? value.toLocaleString('en-US') : String(value));

/**
 * The peer tools for one set. ccusage reads CLAUDE_CONFIG_DIR/projects and
 * everything under HOME, so it gets an empty home of its own; DuckDB runs in
 * the bench's throw-away home like every other tool.
 */
function describePeerTools(set, directory, peers, environment) {
  const tools = [];
  if (set === 'claude' && peers.ccusage.available) {
    const home = prepareHome(join(scratch(), 'ccusage-home'));
    const env = hermeticEnvironment(home, { CLAUDE_CONFIG_DIR: directory, CODEX_HOME: undefined, LC_ALL: 'C' });
    tools.push({
      name: 'ccusage',
      label: `ccusage ${peers.ccusage.version} daily --json --offline (native)`,
      steps: [{ command: peers.ccusage.bin, args: ['daily', '--json', '--offline'] }],
      options: { cwd: home, env, capture: true },
      peer: 'ccusage',
    });
  }
  if (peers.duckdb.available) {
    tools.push({
      name: 'duckdb',
      label:
        set === 'flat'
          ? `DuckDB ${peers.duckdb.version} read_json, fixed schema (${cpus().length} threads)`
          : `DuckDB ${peers.duckdb.version} read_json of message.usage, de-duplicated (information)`,
      steps: [{ command: process.execPath, args: [DUCKDB_PEER, set, directory] }],
      options: { cwd: environment.home, env: environment.env, capture: true },
      peer: 'duckdb',
    });
  }
  return tools;
}

/** What the results say about each peer of a set, measured or not. */
function describePeers(set, peers, checks, loadSeconds, failed) {
  const result = {};
  if (set === 'claude') {
    result.ccusage = {
      version: peers.ccusage.version,
      measured: peers.ccusage.available && !failed.ccusage,
      reason: failed.ccusage ?? peers.ccusage.reason,
      command: 'ccusage daily --json --offline (native binary; CLAUDE_CONFIG_DIR=<set>, HOME and XDG dirs in an empty folder)',
      check: checks.ccusage ?? null,
    };
  }
  result.duckdb = {
    version: peers.duckdb.version,
    measured: peers.duckdb.available && !failed.duckdb,
    reason: failed.duckdb ?? peers.duckdb.reason,
    command: `node bench/duckdb-peer.mjs ${set} <set>`,
    ignore_errors: true,
    load_s: loadSeconds.length > 0 ? round(median(loadSeconds), 3) : null,
    check: checks.duckdb ?? null,
  };
  return result;
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
  // --no-archive: these rows measure the index, and the bench appends and cuts off the same chunk over and
  // over, which the archive (by design, docs/index.md) would keep counting once cut off.
  const argumentsFor = (cacheDirectory, data = directory) => [options.usage, 'report', '--json', '-q', '--no-archive', '--cache-dir', cacheDirectory, data];
  const check = (label, expected) => ({ into: problems, expected, prefix: `${label}: ` });
  const runUntimed = async (cacheDirectory, label, data = directory) => {
    const result = await runOnce(process.execPath, argumentsFor(cacheDirectory, data), { ...inHome, wrap: false });
    if (result.code !== 0) throw new Error(`${label} exited with ${result.code}: ${result.stderr.trim().slice(0, 2000)}`);
    problems.push(...checkOutput(label, result.stdout, manifest.expected).map((problem) => `${label}: ${problem}`));
  };
  const describe = (name, label, cacheDirectory, hooks, data = directory) => ({
    name,
    label,
    steps: [{ command: process.execPath, args: argumentsFor(cacheDirectory, data) }],
    options: inHome,
    check: check(label, manifest.expected),
    ...hooks,
  });

  const target = manifest.files.at(-1);
  // The appended runs read their own view of the set (symbolic links, the appended file a copy), so that
  // appending and cutting off, which set the file's ctime however its mtime is put back, leave the
  // files of the warm runs untouched: warm means nothing changed.
  const appendData = join(base, 'append-data');
  linkSetFiles(directory, appendData, target);
  const targetPath = join(appendData, target);
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
    describe(
      'index_append',
      appendLabel,
      appendDirectory,
      {
        check: check(appendLabel, addExpected(manifest.expected, chunk.expected)),
        setup: () => runUntimed(appendDirectory, 'building the index for appending', appendData),
        before: () => {
          appendedFiles.set(targetPath, original);
          appendFileSync(targetPath, chunk.text);
        },
        after: async () => {
          restoreFile(targetPath);
          await runUntimed(appendDirectory, 'index after cutting the appended lines off', appendData);
        },
      },
      appendData,
    ),
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

/** The generator names a set's folder; --data-dir says where it lies. */
function dataSetDirectory(set, options) {
  return join(options.dataDirectory, basename(setDirectory(set, options.sizeMB)));
}

async function benchmarkSet(set, options, environment, peers) {
  const directory = dataSetDirectory(set, options);
  note(`\n${set} ${options.sizeMB} MB: generating (or reusing) ${directory}`);
  let manifest = generateSet({ set, sizeMB: options.sizeMB, directory });
  if (!matchesManifest(directory, manifest)) {
    note('  the files differ from the manifest (an interrupted run?): generating again');
    manifest = generateSet({ set, sizeMB: options.sizeMB, directory, force: true });
  }
  const { expected } = manifest;
  note(`  ${expected.sources.files} files, ${expected.sources.lines} lines, ${(expected.sources.bytes / MB).toFixed(1)} MB`);
  const problems = { usage: [], naive: [], index: [] };
  const tools = describeTools(directory, manifest, options, environment, problems);
  tools.push(...describePeerTools(set, directory, peers, environment));
  const peerChecks = {};
  const duckdbLoad = [];
  /** A peer's totals are compared once (its output does not change between runs); DuckDB also says how long loading took. */
  const observePeer = (tool, stdout) => {
    if (!tool.peer) return;
    peerChecks[tool.peer] ??= readPeerOutput(tool.peer, stdout, expected);
    if (tool.peer === 'duckdb') {
      try {
        const { load_s: load } = JSON.parse(stdout);
        if (Number.isFinite(load)) duckdbLoad.push(load);
      } catch {
        // Already reported by the comparison.
      }
    }
  };
  const index = options.index ? describeIndexTools(set, directory, manifest, options, environment, problems.index) : null;
  if (index) tools.push(...index.tools);
  const samples = Object.fromEntries(tools.map((tool) => [tool.name, { seconds: [], rssKiB: [], cpuSeconds: [] }]));
  const load = [loadavg()[0]];

  // One untimed pass warms the page cache and every tool's code paths.
  note('  warming up');
  for (const tool of tools) await tool.setup?.();
  // A peer that fails is left out with its reason; a failing `usage` (or cat, wc) stops the bench.
  const failedPeers = {};
  const runOrDropPeer = async (tool) => {
    if (!tool.peer) return runTool(tool);
    try {
      return await runTool(tool);
    } catch (error) {
      failedPeers[tool.peer] = `failed on this set: ${firstLine(error.message, 'no message')}`;
      note(`  ${tool.name} ${failedPeers[tool.peer]}`);
      tools.splice(tools.indexOf(tool), 1);
      delete samples[tool.name];
      return null;
    }
  };
  for (const tool of [...tools]) {
    const result = await runOrDropPeer(tool);
    if (result === null) continue;
    recordCheck(tool, result.stdout);
    observePeer(tool, result.stdout);
  }
  duckdbLoad.length = 0;
  for (let round = 0; round < options.runs; round++) {
    const order = tools.map((_, position) => tools[(position + round) % tools.length]);
    for (const tool of order) {
      const result = await runOrDropPeer(tool);
      if (result === null) continue;
      samples[tool.name].seconds.push(result.seconds);
      if (result.rssKiB !== null) samples[tool.name].rssKiB.push(result.rssKiB);
      if (result.cpuSeconds !== null) samples[tool.name].cpuSeconds.push(result.cpuSeconds);
      recordCheck(tool, result.stdout);
      observePeer(tool, result.stdout);
    }
    const timed = order.filter((tool) => samples[tool.name]);
    note(`  round ${round + 1}/${options.runs}: ${timed.map((tool) => `${tool.name} ${samples[tool.name].seconds.at(-1).toFixed(3)} s`).join(', ')}`);
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
    peers: describePeers(set, peers, peerChecks, duckdbLoad, failedPeers),
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
function writeTinyFile(options) {
  const directory = join(options.dataDirectory, 'tiny-1KB');
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
  const tiny = writeTinyFile(options);
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

/** The words after a target that is judged at another size than the official one. */
function targetScope(entry) {
  return entry.size_mb === TARGETS.officialSizeMB ? '' : ` (target is at ${TARGETS.officialSizeMB} MB; indicative here)`;
}

/** Why a peer has no figure in this entry, in a few words. */
function peerAbsence(entry, name) {
  const peer = entry.peers?.[name];
  if (!peer) return `${name} not measured: the run predates the peers`;
  return `${name} not measured: ${peer.reason ?? 'unknown reason'}`;
}

/**
 * The peer targets of issue 12: on the Claude set usage's CPU and wall time
 * against ccusage's native binary, on the flat set usage's wall time against
 * DuckDB. Rows of [target, figure, verdict, true].
 */
function evaluatePeers(entry) {
  const usage = entry.tools.usage;
  const scope = targetScope(entry);
  if (entry.set === 'claude') {
    const ccusage = entry.tools.ccusage;
    const cpuTarget = `Claude cold CPU time: usage / ccusage ≤ ${TARGETS.ccusageCpuRatio}×${scope}`;
    const wallTarget = `Claude cold wall time: usage / ccusage ≤ ${TARGETS.ccusageWallRatio}×${scope}`;
    if (!ccusage || !usage) return [cpuTarget, wallTarget].map((target) => [target, peerAbsence(entry, 'ccusage'), 'n/a', true]);
    const cpu = ratio(usage.median_cpu_s ?? undefined, ccusage.median_cpu_s ?? undefined);
    const wall = ratio(usage.median_s, ccusage.median_s);
    return [
      [
        cpuTarget,
        cpu === null ? 'no CPU times (GNU time missing)' : `${cpu}× (${usage.median_cpu_s.toFixed(2)} s against ${ccusage.median_cpu_s.toFixed(2)} s)`,
        mark(cpu === null ? null : cpu <= TARGETS.ccusageCpuRatio),
        true,
      ],
      [wallTarget, `${wall}× (${seconds(usage.median_s)} s against ${seconds(ccusage.median_s)} s)`, mark(wall <= TARGETS.ccusageWallRatio), true],
    ];
  }
  const duckdb = entry.tools.duckdb;
  const target = `flat cold wall time: usage / DuckDB read_json ≤ ${TARGETS.duckdbWallRatio}×${scope}`;
  if (!duckdb || !usage) return [[target, peerAbsence(entry, 'duckdb'), 'n/a', true]];
  const wall = ratio(usage.median_s, duckdb.median_s);
  const load = entry.peers?.duckdb?.load_s;
  const alone = load != null && duckdb.median_s > load ? ratio(usage.median_s, duckdb.median_s - load) : null;
  const detail =
    load == null
      ? ''
      : `; ${load.toFixed(2)} s of DuckDB's is starting Node and loading DuckDB, against its query alone usage takes ${alone ?? '–'}×`;
  const cpu = usage.median_cpu_s != null && duckdb.median_cpu_s ? `; CPU time ${ratio(usage.median_cpu_s, duckdb.median_cpu_s)}×` : '';
  return [[target, `${wall}× (${seconds(usage.median_s)} s against ${seconds(duckdb.median_s)} s${detail}${cpu})`, mark(wall <= TARGETS.duckdbWallRatio), true]];
}

/**
 * Every target for one set and size, as rows of [target, figure, verdict,
 * issue]; `issue` marks the targets of issue 12, which the summary at the top
 * of RESULTS.md repeats.
 */
function evaluateSet(entry, store) {
  const usage = entry.tools.usage;
  const wc = entry.tools.wc;
  const scope = targetScope(entry);
  const speed = ratio(usage?.median_s, wc?.median_s);
  const rows = [
    ['exact totals (records, each token kind, malformed, duplicates)', entry.correct ? 'all match' : `${entry.problems.length} mismatches`, mark(entry.correct), true],
    ...evaluatePeers(entry),
    [`usage / wc -l ≤ ${TARGETS.speedRatio}${scope}`, String(speed), mark(speed === null ? null : speed <= TARGETS.speedRatio)],
    [
      `peak RSS ≤ ${TARGETS.rssMiB} MiB${scope}`,
      `${mib(usage?.peak_rss_mib)} MiB`,
      mark(usage?.peak_rss_mib == null ? null : usage.peak_rss_mib <= TARGETS.rssMiB),
      true,
    ],
  ];
  const growthTarget = `peak RSS ≤ ${TARGETS.rssGrowth}× the 100 MB figure${scope}`;
  if (entry.size_mb === 100) {
    rows.push([growthTarget, 'this is the 100 MB figure', 'n/a', true]);
  } else if (entry.size_mb < 100) {
    rows.push([growthTarget, 'smaller than the 100 MB reference', 'n/a', true]);
  } else {
    const small = store.sets[`${entry.set}-100`];
    const growth = small?.tools.usage?.peak_rss_mib ? ratio(usage?.peak_rss_mib, small.tools.usage.peak_rss_mib) : null;
    const sameCode = small && small.commit === entry.commit ? '' : ' (100 MB figure from another run)';
    rows.push([growthTarget, growth === null ? 'no 100 MB figure yet' : `${growth}×${sameCode}`, mark(growth === null ? null : growth <= TARGETS.rssGrowth), true]);
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
      true,
    ],
    [`index warm ≤ ${TARGETS.indexWarmRatio * 100}% of --no-cache${scope}`, percent(warmShare), mark(warmShare === null ? null : warmShare <= TARGETS.indexWarmRatio), true],
    [
      `index warm ≤ ${TARGETS.indexWarmMs} ms${scope}`,
      warm === undefined ? '–' : `${(warm * 1000).toFixed(0)} ms`,
      mark(warm === undefined ? null : warm * 1000 <= TARGETS.indexWarmMs),
      true,
    ],
    [
      `${index.append.bytes >= MB ? `${(index.append.bytes / MB).toFixed(1)} MB` : `${index.append.bytes} B`} appended ≤ ${TARGETS.indexAppendRatio * 100}% of --no-cache${scope}`,
      percent(appendShare),
      mark(appendShare === null ? null : appendShare <= TARGETS.indexAppendRatio),
      true,
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
    [`usage report (1 KB) ≤ ${TARGETS.startupRatio}× node -e 0`, `${tiny}×`, mark(tiny <= TARGETS.startupRatio && startup.problems.length === 0), true],
    ...(startup.tools.statusline
      ? [[`usage statusline (warm) ≤ ${TARGETS.startupRatio}× node -e 0`, `${ratio(startup.tools.statusline.median_s, base)}×`, mark(ratio(startup.tools.statusline.median_s, base) <= TARGETS.startupRatio)]]
      : []),
  ];
}

function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  // Rows may carry more cells than the header (the issue-12 marker): those stay out.
  for (const row of rows) lines.push(`| ${row.slice(0, header.length).join(' | ')} |`);
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
    ...describePeerResults(entry).flatMap((sentence) => ['', sentence]),
    '',
    table(['target', 'measured', 'verdict'], evaluateSet(entry, store)),
  ];
  if (!entry.correct) lines.push('', 'Mismatches:', '', ...entry.problems.map((problem) => `- ${problem}`));
  if (entry.naive_correct === false) lines.push('', 'Note: the naive loop did not reproduce the expected totals.');
  if (entry.index) lines.push('', renderIndex(entry));
  return lines.join('\n');
}

/** One paragraph per peer of a set: what it got against the exact totals, or why it has no figures. */
function describePeerResults(entry) {
  if (!entry.peers) return [];
  const sentences = [];
  const ccusage = entry.peers.ccusage;
  if (ccusage) {
    sentences.push(
      ccusage.measured
        ? `Peer ccusage ${ccusage.version} (\`${ccusage.command}\`): ${describeAgreement(ccusage.check)}.`
        : `Peer ccusage ${ccusage.version}: not measured: ${ccusage.reason}.`,
    );
  }
  const duckdb = entry.peers.duckdb;
  if (duckdb) {
    const role = entry.set === 'flat' ? '' : ' (information; the DuckDB target is on the flat set)';
    sentences.push(
      duckdb.measured
        ? `Peer DuckDB ${duckdb.version}${role} (\`${duckdb.command}\`, ignore_errors=true${duckdb.load_s == null ? '' : `, ${duckdb.load_s.toFixed(2)} s of each run starting Node and loading DuckDB`}): ${describeAgreement(duckdb.check)}.`
        : `Peer DuckDB${role}: not measured: ${duckdb.reason}.`,
    );
  }
  return sentences;
}

/**
 * The targets of issue 12 over every set and size in the store: one row per
 * set and target, one column per size (official 1000 MB first), so that a
 * closing note can quote it as it is.
 */
function renderIssueTargets(store, entries) {
  const sizes = [...new Set(entries.map((entry) => entry.size_mb))].sort((a, b) => b - a);
  const heading = (size) => `${size} MB${size === TARGETS.officialSizeMB ? ' (official)' : ' (indicative)'}`;
  const rows = [];
  const measuredAt = [];
  for (const set of SETS) {
    const cells = new Map();
    for (const entry of entries.filter((candidate) => candidate.set === set)) {
      measuredAt.push(`${set} ${entry.size_mb} MB ${entry.date}, ${describeCode(entry)}`);
      const scope = targetScope(entry);
      const own = [...evaluateSet(entry, store), ...(entry.index ? evaluateIndex(entry) : [])].filter((row) => row[3] === true);
      for (const [target, measured, verdict] of own) {
        // The same target at every size, whatever its wording says about the size.
        const name = scope ? target.replace(scope, '') : target;
        if (!cells.has(name)) cells.set(name, new Map());
        cells.get(name).set(entry.size_mb, `${verdict} ${measured}`);
      }
    }
    for (const [name, bySize] of cells) rows.push([set, name, ...sizes.map((size) => bySize.get(size) ?? '–')]);
  }
  if (store.startup) {
    for (const [target, measured, verdict] of evaluateStartup(store.startup).filter((row) => row[3] === true)) {
      rows.push(['start-up', target, `${verdict} ${measured} (any size)`, ...sizes.slice(1).map(() => '')]);
    }
    measuredAt.push(`start-up ${store.startup.date}, ${describeCode(store.startup)}`);
  }
  return [
    '## Targets of issue 12',
    '',
    `Every target of issue 12 with its latest figure; the sections below have the details. Targets are official at ${TARGETS.officialSizeMB} MB`,
    'and indicative at 100 MB. The peers (ccusage, DuckDB) run in the same alternating rounds as `usage`.',
    '',
    table(['set', 'target', ...sizes.map(heading)], rows),
    '',
    `Measured: ${measuredAt.join('; ')}.`,
  ].join('\n');
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
    `\`usage report --json -q --cache-dir <dir>\`, in the same alternating rounds: cold builds the index in an empty folder each run (writing it included); warm finds nothing changed (from the second run on, its result is kept for identical runs, docs/index.md); appended reads ${index.append.lines.toLocaleString('en-US')} new lines (${(index.append.bytes / MB).toFixed(2)} MB) appended to \`${index.append.file}\` after the index was up to date (in a view of the set made of symbolic links, that file a copy, so the warm runs' files stay untouched). The index takes ${megabytes(index.bytes)} MB, ${percent(index.ratio)} of the log bytes.`,
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
  parts.push('', renderIssueTargets(store, entries));
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
    `The peers run in the same rounds (\`--no-peers\` skips them). ccusage ${CCUSAGE_VERSION} is installed once by the`,
    `bench with \`npm install --no-audit --no-fund --prefix bench/.peers/… ccusage@${CCUSAGE_VERSION}\` (git-ignored;`,
    '`USAGE_BENCH_PEERS_DIR` moves it), and the native binary of its platform package is timed as',
    '`ccusage daily --json --offline` with `CLAUDE_CONFIG_DIR` set to the Claude set and HOME and the XDG',
    'folders in an empty folder. DuckDB is `node bench/duckdb-peer.mjs <set> <dir>` (the optional',
    'dependency @duckdb/node-api): one `read_json` over every file with `format=\'newline_delimited\'`,',
    'every column typed, `ignore_errors=true` (without it the first line that is not JSON stops the',
    'query) and as many threads as cores, summing the token fields `usage` reports; on the Claude set',
    "it reads message.usage and keeps one line per message.id and requestId. Its time includes starting",
    'Node and loading DuckDB, which it reports separately. Both peers are compared with the exact',
    'totals and every difference is printed, but a peer never fails the bench; one that cannot be',
    'installed or loaded is named with its reason instead. Causes of the differences, found on the',
    "100 MB sets: ccusage skips assistant lines written with a space after each colon (valid JSON;",
    "about 10% of the generator's assistant lines), counts `<synthetic>` responses, takes the",
    '5-minute + 1-hour split as the cache writes where the reported sum is larger, and keeps another',
    'copy of a few repeated responses (output tokens 0.01% apart). DuckDB sums negative counts as they',
    'are and rounds fractional ones to an integer (half to even), where `usage` skips both lines, and',
    'a line cut off just after a colon takes the next, valid line with it.',
    '',
  );
  return parts.join('\n');
}

function printSummary(entries, startup, store) {
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
    for (const sentence of describePeerResults(entry)) process.stdout.write(`  ${sentence}\n`);
    for (const [target, measured, verdict] of evaluateSet(entry, store).slice(1)) process.stdout.write(`    ${verdict.padEnd(4)} ${target}: ${measured}\n`);
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
    for (const [target, measured, verdict] of evaluateStartup(startup)) process.stdout.write(`    ${verdict.padEnd(4)} ${target}: ${measured}\n`);
  }
}

// --------------------------------------------------------------------- main

async function main() {
  const options = parseArguments(process.argv.slice(2));
  if (options.renderOnly) {
    const store = readStore();
    if (!store.machine) fail(`no figures in ${RESULTS_JSON} to render.`);
    writeFileSync(RESULTS_MD, renderMarkdown(store));
    note(`wrote ${RESULTS_MD} from ${RESULTS_JSON}`);
    return 0;
  }
  if (!existsSync(options.usage)) fail(`no usage entry point at ${options.usage}.`);
  checkBuild(options.usage);
  if (options.startupOnly && options.startupRuns === 0) fail('--startup-only with --startup-runs 0 measures nothing.');
  const sets = options.startupOnly ? [] : options.set === 'all' ? SETS : [options.set];
  mkdirSync(options.dataDirectory, { recursive: true });
  const free = statfsSync(options.dataDirectory);
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
  const peers = preparePeers(options, sets);
  for (const set of sets) entries.push({ ...(await benchmarkSet(set, options, environment, peers)), ...stamp });
  const startup = options.startupRuns > 0 ? { ...(await benchmarkStartup(options, environment)), ...stamp } : null;
  // The verdicts need the stored 100 MB figures (peak RSS growth), so the store is merged even with --no-save.
  const store = readStore();
  store.machine = describeMachine();
  store.command = command;
  for (const entry of entries) store.sets[`${entry.set}-${entry.size_mb}`] = entry;
  if (startup) store.startup = startup;
  printSummary(entries, startup, store);

  if (options.save) {
    writeFileSync(RESULTS_JSON, `${JSON.stringify(store, null, 1)}\n`);
    writeFileSync(RESULTS_MD, renderMarkdown(store));
    note(`\nwrote ${RESULTS_MD}`);
  }
  if (options.clean) for (const set of sets) rmSync(dataSetDirectory(set, options), { recursive: true, force: true });
  removeScratch();

  const wrong = entries.some((entry) => !entry.correct || entry.index?.correct === false) || (startup?.problems.length ?? 0) > 0;
  if (wrong) {
    note('FAIL: usage reported figures that differ from the generated data.');
    return 1;
  }
  if (options.strict) {
    const verdicts = [
      ...entries.flatMap((entry) => [...evaluateSet(entry, store), ...(entry.index ? evaluateIndex(entry) : [])]),
      ...(startup ? evaluateStartup(startup) : []),
    ];
    if (verdicts.some((row) => row[2] === 'FAIL')) return 1;
  }
  return 0;
}

process.exitCode = await main();
