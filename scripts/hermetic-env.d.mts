/** Makes the XDG folders inside `home` (which may exist already); returns `home`. */
export function prepareHome(home: string): string;
/** The environment for a run in `home`: `extra` adds variables, and removes those it sets to undefined. */
export function hermeticEnvironment(home: string, extra?: Record<string, string | undefined>): Record<string, string | undefined>;
