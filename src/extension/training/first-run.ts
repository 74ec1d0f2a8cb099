/**
 * The first run: with a folder open, enough text in it and no model, one dismissible message offers to
 * train (never training without the user's consent) or to open the walkthrough; "Don't Ask Again" is
 * remembered for the workspace.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { classifyName } from '../../core/corpus/name-rules';
import type { ModelState } from '../model-store';
import { readSettings } from '../settings';

/** The workspace state key of the first-run prompt: 'never' once the user asked not to be asked again. */
const FIRST_RUN_KEY = 'charRnn.firstRunPrompt';
/** Text files of at least this many bytes in all make a workspace worth offering to train on. */
const FIRST_RUN_MIN_BYTES = 20_000;
/** The most files looked at to estimate that (the estimate stops early once it is reached). */
const FIRST_RUN_MAX_FILES = 2_000;
export const WALKTHROUGH_ID = 'char-rnn-complete.char-rnn-complete#charRnn.gettingStarted';

/** What the first-run check did at activation (for tests): prompted, or why not. */
export type FirstRun = 'prompted' | 'has model' | 'no folder' | 'not enough text' | 'dismissed';

/** Offers to train when the workspace has no model and enough text; says what it did. */
export async function offerFirstRun(state: ModelState, workspaceState: vscode.Memento | undefined, trainWorkspace: () => Promise<void>): Promise<FirstRun> {
  if (state.kind !== 'none') return 'has model';
  if (!vscode.workspace.workspaceFolders?.length) return 'no folder';
  if (workspaceState?.get<string>(FIRST_RUN_KEY) === 'never') return 'dismissed';
  const bytes = await workspaceTextBytes(FIRST_RUN_MIN_BYTES);
  if (bytes < FIRST_RUN_MIN_BYTES) return 'not enough text';
  const minutes = readSettings().training.timeBudgetMinutes;
  void vscode.window.showInformationMessage(
    `Char RNN can learn the code in this workspace to suggest completions, on this machine (nothing leaves it). Train a model now? It trains for ${minutes} minute${minutes === 1 ? '' : 's'} in the background; suggestions start after about 15 seconds.`,
    'Train on Workspace', 'Show Walkthrough', 'Not Now', "Don't Ask Again",
  ).then((choice) => {
    if (choice === 'Train on Workspace') void trainWorkspace();
    if (choice === 'Show Walkthrough') void vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false);
    if (choice === "Don't Ask Again") void workspaceState?.update(FIRST_RUN_KEY, 'never');
  });
  return 'prompted';
}

/**
 * The bytes of the workspace's files (files.exclude applies, and the corpus's name rules), counted until `enough`
 * is reached: an estimate of whether there is anything to train on, not the corpus rules' count.
 */
async function workspaceTextBytes(enough: number): Promise<number> {
  const files = await vscode.workspace.findFiles('**/*', undefined, FIRST_RUN_MAX_FILES);
  let bytes = 0;
  for (const uri of files) {
    if (classifyName(path.posix.basename(uri.path))) continue; // the corpus rules' name-based excludes
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      bytes += stat.size;
    } catch {
      continue;
    }
    if (bytes >= enough) break;
  }
  return bytes;
}
