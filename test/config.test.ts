import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listConfigLocations, loadConfig } from '../src/cli/config.js';
import { UsageError } from '../src/core/errors.js';

/** A fake home and working directory; the real home is never looked at. */
function createPlace() {
  const root = mkdtempSync(join(tmpdir(), 'usage-config-'));
  const home = join(root, 'home');
  const cwd = join(root, 'work');
  mkdirSync(home, { recursive: true });
  mkdirSync(cwd, { recursive: true });
  return { root, home, cwd, env: {} as Record<string, string | undefined> };
}

function write(path: string, value: unknown): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

describe('loadConfig', () => {
  it('returns nothing when there is no config anywhere', async () => {
    const place = createPlace();
    expect(await loadConfig(undefined, place)).toEqual({});
  });

  it('reads ./usage.config.json before the XDG file', async () => {
    const place = createPlace();
    const xdg = join(place.root, 'xdg');
    place.env['XDG_CONFIG_HOME'] = xdg;
    write(join(xdg, 'usage', 'config.json'), { tz: 'Asia/Tokyo' });
    expect(await loadConfig(undefined, place)).toMatchObject({ tz: 'Asia/Tokyo', file: join(xdg, 'usage', 'config.json') });
    write(join(place.cwd, 'usage.config.json'), { tz: 'Europe/Berlin' });
    expect(await loadConfig(undefined, place)).toMatchObject({ tz: 'Europe/Berlin', file: join(place.cwd, 'usage.config.json') });
  });

  it('falls back to ~/.config/usage/config.json without XDG_CONFIG_HOME, and ignores a relative one', async () => {
    const place = createPlace();
    write(join(place.home, '.config', 'usage', 'config.json'), { tz: 'UTC' });
    expect(await loadConfig(undefined, place)).toMatchObject({ tz: 'UTC' });
    place.env['XDG_CONFIG_HOME'] = 'relative/dir';
    expect(listConfigLocations(place)[1]).toBe(join(place.home, '.config', 'usage', 'config.json'));
  });

  it('reads --config first, resolving it against the working directory', async () => {
    const place = createPlace();
    write(join(place.cwd, 'usage.config.json'), { tz: 'Europe/Berlin' });
    write(join(place.cwd, 'ci', 'budget.json'), { budgets: { maxCost: 25, period: 'month', warnAt: 0.8 } });
    expect(await loadConfig('ci/budget.json', place)).toEqual({
      file: join(place.cwd, 'ci', 'budget.json'),
      budgets: { maxCost: 25, period: 'month', warnAt: 0.8 },
    });
  });

  it('refuses a --config file that does not exist', async () => {
    const place = createPlace();
    await expect(loadConfig('missing.json', place)).rejects.toThrow(UsageError);
    await expect(loadConfig('missing.json', place)).rejects.toThrow(/--config missing\.json: no such file/);
  });

  it("resolves relative paths against the config file's folder, and ~ against the home", async () => {
    const place = createPlace();
    const file = write(join(place.root, 'settings', 'usage.json'), {
      paths: ['logs', '~/agent-logs', '/abs/logs'],
      pricing: '../prices.json',
      costMode: 'recorded',
    });
    expect(await loadConfig(file, place)).toEqual({
      file,
      paths: [join(place.root, 'settings', 'logs'), join(place.home, 'agent-logs'), '/abs/logs'],
      pricing: join(place.root, 'prices.json'),
      costMode: 'recorded',
    });
  });

  it('accepts a single path as a string', async () => {
    const place = createPlace();
    write(join(place.cwd, 'usage.config.json'), { paths: 'logs' });
    expect((await loadConfig(undefined, place)).paths).toEqual([join(place.cwd, 'logs')]);
  });

  it.each([
    ['not JSON', '{"tz": ', /is not valid JSON/],
    ['an unknown setting', { timezone: 'UTC' }, /field timezone: not a known setting/],
    ['an unknown budget setting', { budgets: { maxCosts: 1 } }, /field budgets\.maxCosts: not a known setting/],
    ['a bad time zone', { tz: 'Mars/Olympus' }, /field tz: not an IANA time zone/],
    ['a negative budget', { budgets: { maxCost: -1 } }, /field budgets\.maxCost/],
    ['a fractional token budget', { budgets: { maxTokens: 1.5 } }, /field budgets\.maxTokens/],
    ['a warn-at above 1', { budgets: { warnAt: 80 } }, /field budgets\.warnAt/],
    ['a bad period', { budgets: { period: 'year' } }, /field budgets\.period/],
    ['a bad cost mode', { costMode: 'cheap' }, /field costMode/],
    ['an array', [1], /field \(top level\)/],
  ])('rejects %s, naming the file and the field', async (_name, content, message) => {
    const place = createPlace();
    const file = write(join(place.cwd, 'usage.config.json'), content);
    const failure = loadConfig(undefined, place);
    await expect(failure).rejects.toThrow(UsageError);
    await expect(loadConfig(undefined, place)).rejects.toThrow(message);
    await expect(loadConfig(undefined, place)).rejects.toThrow(file);
  });
});
