import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFolder } from '../src/store/folders.js';
import { BIN, createHome, fixture, hermeticEnv } from './helpers/cli.js';

describe('createFolder', () => {
  it('makes every missing level, each with the mode asked for', () => {
    const base = mkdtempSync(join(tmpdir(), 'usage-folders-'));
    const deepest = join(base, 'a', 'b', 'c');
    createFolder(deepest, 0o700);
    for (const folder of [join(base, 'a'), join(base, 'a', 'b'), deepest]) {
      expect(statSync(folder).isDirectory()).toBe(true);
      expect(statSync(folder).mode & 0o777).toBe(0o700);
    }
    // Already there: nothing to do, no error.
    createFolder(deepest, 0o700);
    createFolder(base);
  });

  it('refuses a file where a folder should be, as mkdir does', () => {
    const base = mkdtempSync(join(tmpdir(), 'usage-folders-'));
    writeFileSync(join(base, 'file'), 'x');
    expect(() => createFolder(join(base, 'file'))).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(() => createFolder(join(base, 'file', 'below'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });

  it.runIf(existsSync('/proc/self'))('refuses a folder under /proc at once (Node 20 recursive mkdir never returned there)', () => {
    expect(() => createFolder('/proc/usage-test/cache')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it.runIf(existsSync('/proc/self'))('answers with a warning when --cache-dir is under /proc, instead of hanging', () => {
    const home = createHome();
    const result = spawnSync(process.execPath, [BIN, 'report', '--json', fixture('logs', 'claude'), '--cache-dir', '/proc/usage-test/cache'], {
      cwd: home,
      env: hermeticEnv(home),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/warning: not using the index: cannot create \/proc\/usage-test\/cache/);
    expect(JSON.parse(result.stdout)).toMatchObject({ kind: 'report' });
  });
});
