/**
 * One project, one name across agents (src/dialects/project-path.ts): every
 * dialect sends the working directory it reads through these helpers.
 */
import { describe, expect, it } from 'vitest';
import { readProjectFromEncodedFolder, readProjectFromPath } from '../src/dialects/project-path.js';
import { nameProjects, NO_PROJECT } from '../src/reducers/shares.js';

describe('readProjectFromPath', () => {
  it('normalises the path and names the project by its last segment', () => {
    expect(readProjectFromPath('/home/dev/api/')).toEqual({ project: 'api', projectPath: '/home/dev/api' });
    expect(readProjectFromPath('c:\\Users\\a\\app')).toEqual({ project: 'app', projectPath: 'C:/Users/a/app' });
  });

  it('reads blank or absent as no project', () => {
    expect(readProjectFromPath(null)).toEqual({ project: null, projectPath: null });
    expect(readProjectFromPath('  ')).toEqual({ project: null, projectPath: null });
  });
});

describe('readProjectFromEncodedFolder', () => {
  it('decodes a folder named after the working directory, separators turned into dashes', () => {
    expect(readProjectFromEncodedFolder('-home-dev-api')).toEqual({ project: 'api', projectPath: '/home/dev/api' });
    expect(readProjectFromEncodedFolder('C--Users-a-app')).toEqual({ project: 'app', projectPath: 'C:/Users/a/app' });
    // Lower-case drive letters fold as in a recorded cwd.
    expect(readProjectFromEncodedFolder('c--Users-a-app')).toEqual({ project: 'app', projectPath: 'C:/Users/a/app' });
  });

  it('keeps a folder that is no such encoding as a bare name', () => {
    expect(readProjectFromEncodedFolder('my-app')).toEqual({ project: 'my-app', projectPath: null });
    expect(readProjectFromEncodedFolder('')).toEqual({ project: null, projectPath: null });
  });
});

describe('nameProjects', () => {
  it('shows paths by their last segment, widened where two share it, names without a path as they are', () => {
    const name = nameProjects(['/home/dev/api', '/home/ops/api', '/home/dev/shop', 'notes', NO_PROJECT]);
    expect(name('/home/dev/api')).toEqual({ project: 'dev/api', projectPath: '/home/dev/api' });
    expect(name('/home/ops/api')).toEqual({ project: 'ops/api', projectPath: '/home/ops/api' });
    expect(name('/home/dev/shop')).toEqual({ project: 'shop', projectPath: '/home/dev/shop' });
    expect(name('notes')).toEqual({ project: 'notes', projectPath: null });
    expect(name(NO_PROJECT)).toEqual({ project: NO_PROJECT, projectPath: null });
  });
});
