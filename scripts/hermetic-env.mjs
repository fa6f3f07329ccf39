/**
 * The one definition of a hermetic environment for running `usage`: a home
 * of its own with the XDG folders inside it, every agent's home pointing into
 * it, the time zone pinned and colour off. Used wherever usage runs as a
 * child of this repository's tooling: the tests (test/helpers/cli.ts), the
 * benchmark, the README updater and the code-cache training at build time,
 * so none of them reads the user's config, logs or index.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const XDG_FOLDERS = ['.config', '.cache', '.local/share', '.local/state'];

/** Makes the XDG folders inside `home` (which may exist already); returns `home`. */
export function prepareHome(home) {
  for (const folder of XDG_FOLDERS) mkdirSync(join(home, folder), { recursive: true });
  return home;
}

/** The environment for a run in `home`: `extra` adds variables, and removes those it sets to undefined. */
export function hermeticEnvironment(home, extra = {}) {
  const env = {
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
  };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}
