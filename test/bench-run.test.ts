/**
 * The benchmark driver (bench/run.mjs) end to end on a tiny Claude set: its
 * peers must never stop it. When ccusage cannot be installed (here: the npm
 * registry is an address nothing listens on) the bench still measures and
 * checks `usage`, names the reason in one line, and leaves the ccusage targets
 * unjudged instead of failing. --no-peers skips the peers without trying to
 * install anything; --startup-only measures the start-up rows alone. Everything lands in temporary folders (--data-dir,
 * USAGE_BENCH_PEERS_DIR, --no-save), never in the checkout.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHome, ROOT } from './helpers/cli.js';

const RUN = join(ROOT, 'bench', 'run.mjs');

function runBench(extraFlags: string[]): { status: number | null; stdout: string; stderr: string; peers: string } {
  const root = mkdtempSync(join(tmpdir(), 'usage-bench-run-'));
  const home = createHome();
  const peers = join(root, 'peers');
  const flags = ['--set', 'claude', '--size', '0.05', '--runs', '1', '--startup-runs', '0', '--no-index', '--no-naive', '--no-save'];
  const result = spawnSync(process.execPath, [RUN, ...flags, '--data-dir', join(root, 'data'), ...extraFlags], {
    encoding: 'utf8',
    env: {
      PATH: process.env['PATH'],
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_CACHE_HOME: join(home, '.cache'),
      XDG_DATA_HOME: join(home, '.local/share'),
      XDG_STATE_HOME: join(home, '.local/state'),
      TZ: 'UTC',
      USAGE_BENCH_PEERS_DIR: peers,
      // Port 9 (discard) refuses at once: the install fails without waiting for a timeout.
      npm_config_registry: 'http://127.0.0.1:9/',
      npm_config_fetch_retries: '0',
      npm_config_cache: join(root, 'npm-cache'),
      npm_config_update_notifier: 'false',
    },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, peers };
}

describe('bench/run.mjs and its peers', () => {
  it('still measures and checks usage when ccusage cannot be installed, and says why in one line', () => {
    const result = runBench([]);
    expect(result.stderr).toContain('peers: installing ccusage@20.0.24');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('exact totals: PASS');
    expect(result.stdout).toMatch(/^ {2}Peer ccusage 20\.0\.24: not measured: npm install ccusage@20\.0\.24 failed: [^\n]+\.$/m);
    expect(result.stdout).toContain('n/a  Claude cold CPU time: usage / ccusage ≤ 0.5× (target is at 1000 MB; indicative here): ccusage not measured');
    expect(result.stdout).toContain('n/a  Claude cold wall time: usage / ccusage ≤ 0.6×');
    // DuckDB is an optional dependency: measured beside usage where it loads, named with its reason where not.
    expect(result.stdout).toMatch(/^ {2}Peer DuckDB[^\n]*(agrees with|differs from) the generator's exact totals|^ {2}Peer DuckDB[^\n]*: not measured: /m);
  }, 120_000);

  it('skips the peers with --no-peers, without trying to install one', () => {
    const result = runBench(['--no-peers']);
    expect(result.status).toBe(0);
    expect(result.stderr).not.toContain('installing ccusage');
    expect(existsSync(result.peers)).toBe(false);
    expect(result.stdout).toContain('exact totals: PASS');
    expect(result.stdout).toContain('Peer ccusage 20.0.24: not measured: skipped (--no-peers).');
    expect(result.stdout).toContain('Peer DuckDB (information; the DuckDB target is on the flat set): not measured: skipped (--no-peers).');
  }, 120_000);

  it('measures only the start-up rows with --startup-only: no data set, no peers', () => {
    // The flags of runBench generate nothing here: --startup-only drops the set, --startup-runs 1 puts the start-up rows back.
    const result = runBench(['--startup-only', '--startup-runs', '1']);
    expect(result.status).toBe(0);
    expect(result.stderr).not.toContain('installing ccusage');
    expect(result.stdout).not.toContain('exact totals');
    expect(result.stdout).toMatch(/^start-up$/m);
    expect(result.stdout).toMatch(/^ {2}usage report --json --no-cache \(\d+ B file\) +[\d.]+ ms [\d.]+×$/m);
    expect(result.stdout).toContain('usage statusline (warm)');
  }, 120_000);

  it('refuses --startup-only with no start-up rounds', () => {
    const result = runBench(['--startup-only']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--startup-only with --startup-runs 0 measures nothing.');
  }, 120_000);
});
