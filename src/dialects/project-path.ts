/**
 * One project, one name: Claude Code and Codex both record the working
 * directory (`cwd`) of every session, so that is the project's identity for
 * both agents. The same folder must come out the same however it was
 * written: Windows separators, a lower- or upper-case drive letter and a
 * trailing separator are normalised away.
 *
 * Claude Code runs parallel work in worktrees it creates inside the
 * repository (`<repo>/.claude/worktrees/<name>`); by default they belong to
 * their repository, and `keepWorktrees` keeps them apart.
 */

export interface ProjectPathOptions {
  /** Keep `<repo>/.claude/worktrees/<name>` as its own project instead of folding it into `<repo>`. */
  keepWorktrees?: boolean | undefined;
}

const DRIVE = /^([a-zA-Z]):(?:[\\/]|$)/;
const WORKTREE = /\/\.claude\/worktrees\/[^/]+$/;

/**
 * The normalised project path of a working directory: forward slashes, an
 * upper-case drive letter (Windows paths are case-insensitive there, and the
 * two spellings are both seen in real logs), no trailing separator, and
 * worktrees folded into their repository unless kept apart.
 */
export function normalizeProjectPath(cwd: string, options: ProjectPathOptions = {}): string {
  let path = cwd.trim();
  const drive = DRIVE.exec(path);
  if (drive) path = `${(drive[1] as string).toUpperCase()}:${path.slice(2)}`;
  // Only a path that is a Windows path uses backslashes as separators; on
  // POSIX a backslash is an ordinary (if unusual) file-name character.
  if (drive || path.startsWith('\\\\')) path = path.replace(/\\/g, '/');
  while (path.length > 1 && path.endsWith('/') && !/^[A-Z]:\/$/.test(path)) path = path.slice(0, -1);
  if (!options.keepWorktrees) path = path.replace(WORKTREE, '');
  return path;
}

/** The last segment of a normalised path ('C:' for a bare drive, '/' for the root). */
export function readLastSegment(path: string): string {
  const parts = path.split('/').filter((part) => part !== '');
  return parts.at(-1) ?? (path === '' ? '' : '/');
}

/**
 * Short, readable names for a set of project paths: each path's last segment,
 * widened (one more parent segment at a time) only for paths whose short
 * names would otherwise collide, so two projects never share a name.
 */
export function shortenProjectPaths(paths: Iterable<string>): Map<string, string> {
  const distinct = [...new Set(paths)];
  const segments = new Map(distinct.map((path) => [path, path.split('/').filter((part) => part !== '')]));
  const depth = new Map(distinct.map((path) => [path, 1]));
  const nameOf = (path: string): string => {
    const parts = segments.get(path) as string[];
    if (parts.length === 0) return path;
    return parts.slice(-Math.min(depth.get(path) as number, parts.length)).join('/');
  };
  for (let round = 0; round < 64; round++) {
    const byName = new Map<string, string[]>();
    for (const path of distinct) {
      const name = nameOf(path);
      byName.set(name, [...(byName.get(name) ?? []), path]);
    }
    let widened = false;
    for (const group of byName.values()) {
      if (group.length < 2) continue;
      for (const path of group) {
        const parts = segments.get(path) as string[];
        if ((depth.get(path) as number) < parts.length) {
          depth.set(path, (depth.get(path) as number) + 1);
          widened = true;
        }
      }
    }
    if (!widened) break;
  }
  // Paths that still collide (differing only outside their segments) keep their full form.
  const result = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const path of distinct) counts.set(nameOf(path), (counts.get(nameOf(path)) ?? 0) + 1);
  for (const path of distinct) result.set(path, (counts.get(nameOf(path)) as number) > 1 ? path : nameOf(path));
  return result;
}

/**
 * Claude Code names a project folder after the working directory with every
 * non-alphanumeric character replaced by `-` (`C:\Users\a\app` →
 * `C--Users-a-app`), which cannot be undone. It is only the fallback when no
 * line of the file records `cwd`; the drive-letter case is still folded.
 */
export function normalizeClaudeFolderName(folder: string): string {
  return /^[a-z]--/.test(folder) ? `${folder[0]?.toUpperCase()}${folder.slice(1)}` : folder;
}
