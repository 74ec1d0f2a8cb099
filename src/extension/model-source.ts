/**
 * Where the editor's model comes from: the workspace's own trained model (the checkpoint in the
 * extension's storage folder), or a team model named by the setting `charRnn.model.path` (a file
 * checked into the repository, say `.vscode/char-rnn.safetensors`), which is only ever read. This module
 * resolves that setting to a file, with the rules a user can predict, and words the source for the
 * status bar and Model Info. No `vscode` import: the unit tests check it directly.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

/** The setting's name, for messages. */
export const MODEL_PATH_SETTING = 'charRnn.model.path';

/** A team model's file: its absolute path, and the path as the user wrote it (relative ones with `/`). */
export interface TeamModelFile {
  kind: 'file';
  /** the absolute path read */
  file: string;
  /** for messages: relative to the workspace folder when it was given so, else the absolute path */
  shown: string;
  /** the workspace folder a relative path was resolved against (its real location is checked to stay inside) */
  folder?: string;
}

/** What `charRnn.model.path` says: no team model, a file to read, or a value that cannot be used (with a one-line reason). */
export type TeamModelSetting = { kind: 'unset' } | TeamModelFile | { kind: 'error'; shown: string; message: string };

/** The values of the setting at each level, as `WorkspaceConfiguration.inspect` gives them. */
export interface InspectedValue {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/**
 * The value of `charRnn.model.path` in effect: the most specific level that sets a string; in an
 * untrusted workspace only the user's own value (a workspace's settings may not make the editor load
 * a file it names until the workspace is trusted). `ignored` is the workspace's value left out then.
 */
export function effectiveModelPath(inspected: InspectedValue | undefined, trusted: boolean): { value: string; ignored?: string } {
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : undefined);
  const user = text(inspected?.globalValue) ?? '';
  const workspace = text(inspected?.workspaceFolderValue) ?? text(inspected?.workspaceValue);
  if (workspace === undefined) return { value: user };
  if (!trusted) return { value: user, ignored: workspace || undefined };
  return { value: workspace };
}

/**
 * Resolves the setting's value against the first workspace folder (`folder`, undefined when none is
 * open): '' is no team model; an absolute path is taken as given, anywhere; a relative one (or one
 * starting with `${workspaceFolder}`) must stay inside the folder: `..` out of it is refused, as is a
 * leading `~` (not expanded: the file would not be the one meant). Nothing is read here.
 */
export function resolveModelPath(value: string, folder: string | undefined): TeamModelSetting {
  const shown = value.trim();
  if (shown === '') return { kind: 'unset' };
  const error = (message: string): TeamModelSetting => ({ kind: 'error', shown, message: `${MODEL_PATH_SETTING} "${shown}" ${message}` });
  if (/[\0\r\n]/.test(shown)) return error('is not a file name');
  if (shown.startsWith('~')) return error('starts with "~", which is not expanded: give an absolute path, or one relative to the workspace folder');
  let rel = shown;
  const variable = /^\$\{workspaceFolder\}[\\/]?/.exec(shown);
  if (variable) rel = shown.slice(variable[0].length);
  else if (/\$\{/.test(shown)) return error('uses a variable other than ${workspaceFolder}');
  if (!variable && path.isAbsolute(rel)) return { kind: 'file', file: path.normalize(rel), shown };
  if (folder === undefined) return error('is relative, and no workspace folder is open: give an absolute path');
  const file = path.resolve(folder, rel);
  const inside = path.relative(folder, file);
  if (inside === '') return error('is the workspace folder itself, not a file');
  if (inside.startsWith('..') || path.isAbsolute(inside)) {
    return error('leads outside the workspace folder: give the absolute path of a file elsewhere');
  }
  return { kind: 'file', file, shown: inside.split(path.sep).join('/'), folder };
}

/**
 * For a file given relative to the workspace folder: a one-line reason when its real location (links
 * followed) is outside that folder, as `charRnn.training.readOutsideWorkspace` off skips such links; an
 * absolute path must be given for such a file. Undefined when it is inside, absolute, or missing (the
 * loader reports a missing file).
 */
export async function linkLeavesFolder(team: TeamModelFile): Promise<string | undefined> {
  if (team.folder === undefined) return undefined;
  let real: string;
  let realFolder: string;
  try {
    [real, realFolder] = await Promise.all([fsp.realpath(team.file), fsp.realpath(team.folder)]);
  } catch {
    return undefined;
  }
  const inside = path.relative(realFolder, real);
  if (inside !== '' && !inside.startsWith('..') && !path.isAbsolute(inside)) return undefined;
  return `${MODEL_PATH_SETTING} "${team.shown}" is a link to ${real}, outside the workspace folder: give that absolute path to use it`;
}

/**
 * The one-line reason a team model file cannot be used, from the loader's error: a missing file, or
 * what is wrong with it (not a checkpoint, corrupt, not a regular file), without the loader's own
 * prefix of the absolute path.
 */
export function teamModelError(team: Pick<TeamModelFile, 'file' | 'shown'>, err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return `the team model ${team.shown} (${MODEL_PATH_SETTING}) was not found`;
  const reason = err.message.startsWith(`${team.file}: `) ? err.message.slice(team.file.length + 2) : err.message;
  return `the team model ${team.shown} (${MODEL_PATH_SETTING}) cannot be read: ${reason}`;
}

/** Where the model in use comes from. */
export type ModelSource = { kind: 'workspace' } | { kind: 'team'; shown: string };

/**
 * The source in words, for the status bar's tooltip and Model Info: "team model: .vscode/x.safetensors
 * (read-only, from charRnn.model.path)" or "this workspace's trained model".
 */
export function describeSource(source: ModelSource): string {
  return source.kind === 'team' ? `team model: ${source.shown} (read-only, from ${MODEL_PATH_SETTING})` : 'this workspace\'s trained model';
}
