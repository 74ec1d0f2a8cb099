/**
 * Suggestions that fit the line, every cursor and the document's line endings, in a real editor (issue
 * 13, kinds 1, 2, 3 and 6): the provider's items are applied as VS Code applies them (the item's range
 * replaced by its text) and the resulting lines are checked.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_COMPLETION_SETTINGS } from '../../../src/core/infer/completion-rules';
import type { CharRnnApi } from '../../../src/extension/extension';
import { getApi, restoreWorkspaceSettings, saveWorkspaceSettings, SavedSettings } from './util';

/**
 * Whether every closer of a line closes an opener before it (strings aside): a closer left twice by a
 * suggestion breaks this. Openers left open are fine (a suggestion may stop inside its own call).
 */
function noExtraCloser(line: string): boolean {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: string[] = [];
  for (const c of line.replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '""')) {
    if ('([{'.includes(c)) stack.push(c);
    else if (pairs[c] && stack.pop() !== pairs[c]) return false;
  }
  return true;
}

/** The line as it is after the item is accepted: its range replaced by its text. */
function accepted(doc: vscode.TextDocument, item: vscode.InlineCompletionItem): string {
  const range = item.range!;
  const line = doc.lineAt(range.start.line).text;
  return line.slice(0, range.start.character) + String(item.insertText) + line.slice(range.end.character);
}

describe('completions in the editor: the line, the cursors, the line endings', function () {
  this.timeout(240_000);
  let saved: SavedSettings;
  let api: CharRnnApi;
  before(async () => {
    saved = saveWorkspaceSettings();
    api = await getApi();
    const config = vscode.workspace.getConfiguration('charRnn');
    await config.update('completion.enabled', true, vscode.ConfigurationTarget.Workspace);
    await config.update('completion.minConfidence', 0, vscode.ConfigurationTarget.Workspace); // every suggestion the model has
    // the same model for every request: the adaptation would learn from each document read and change the next suggestion
    await config.update('completion.adapt', false, vscode.ConfigurationTarget.Workspace);
    if (api.store.state.kind !== 'loaded') await api.training.trainWorkspace();
    assert.equal(api.store.state.kind, 'loaded');
    assert.equal(api.completions.isActive, true);
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await restoreWorkspaceSettings(saved);
  });

  it('never leaves a closer twice: no accepted suggestion in a real file leaves a closer that closes nothing', async () => {
    // real code: the built-in corpus's mocha sources (the model trained on the fixture has not seen them)
    const corpus = path.join(__dirname, '..', '..', '..', '..', 'media', 'corpus', 'mocha');
    const files = ['runner.js', 'suite.js', 'runnable.js'].map((f) => fs.readFileSync(path.join(corpus, f), 'utf8'));
    // the example, then every position of that code with closers right of the cursor
    const text = 'async function run (keys) {\n  return await this.npxInfo(keys)\n}\n' + files.join('\n');
    const doc = await vscode.workspace.openTextDocument({ language: 'javascript', content: text });
    await vscode.window.showTextDocument(doc);
    let positions = 0, suggested = 0;
    for (let l = 0; l < doc.lineCount && positions < 400; l++) {
      const line = doc.lineAt(l).text;
      if (!noExtraCloser(line)) continue;
      for (let c = 1; c < line.length; c++) {
        const after = line.slice(c);
        if (!/^[)\]}]+[;,]?$/.test(after)) continue; // closers right of the cursor, nothing else
        positions++;
        const items = api.completions.suggest(doc, new vscode.Position(l, c), 'automatic') ?? [];
        for (const item of items) {
          suggested++;
          const result = accepted(doc, item);
          assert.ok(noExtraCloser(result), `line ${l + 1}: ${JSON.stringify(line.slice(0, c))} + ${JSON.stringify(item.insertText)} before ${JSON.stringify(after)} gives ${JSON.stringify(result)}`);
        }
      }
    }
    console.log(`        ${suggested} suggestions at ${positions} positions with closers right of the cursor, no accepted line with a closer twice`);
    assert.ok(positions >= 100 && suggested >= 20, `${positions} positions, ${suggested} suggestions`);
    // the issue's own example: before the final ) of `this.npxInfo(keys)`
    const example = api.completions.suggest(doc, new vscode.Position(1, '  return await this.npxInfo(keys'.length), 'automatic') ?? [];
    for (const item of example) assert.ok(noExtraCloser(accepted(doc, item)), accepted(doc, item));
  });

  it('an auto-closed quote is not doubled, and a suggestion is typed through only at its own place', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'javascript', content: 'const EVENT_DELAY_END = 1;\nconst x = {\n  EVENT_DELAY_END: \n};\n' });
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(2, 19, 2, 19);
    await vscode.commands.executeCommand('type', { text: '"' }); // the editor closes the quote: `  EVENT_DELAY_END: "|"`
    assert.equal(doc.lineAt(2).text, '  EVENT_DELAY_END: ""', 'the editor auto-closed the quote');
    const items = api.completions.suggest(doc, editor.selection.active, 'automatic') ?? [];
    for (const item of items) {
      const result = accepted(doc, item);
      assert.equal((result.match(/"/g) ?? []).length % 2, 0, `no quote doubled: ${JSON.stringify(result)}`);
      assert.ok(!result.includes('""', 20), `no quote doubled: ${JSON.stringify(result)}`);
    }
    // two lines with the same text before the cursor: the second is not given the first's rest
    const twin = await vscode.workspace.openTextDocument({ language: 'javascript', content: 'function a() {\n  const v = \n}\nfunction b() {\n  const v = \n}\n' });
    const e2 = await vscode.window.showTextDocument(twin);
    const first = api.completions.suggest(twin, new vscode.Position(1, 12), 'automatic')?.[0];
    assert.ok(first, 'a suggestion after `  const v = `');
    // type its first character on the other line (line 5), where the same text stands before the cursor
    await e2.edit((e) => e.insert(new vscode.Position(4, 12), String(first.insertText)[0]));
    const settings = { ...DEFAULT_COMPLETION_SETTINGS, minConfidence: 0 };
    const second = api.completions.service.automatic({ key: twin.uri.toString(), text: twin.getText(), base: 0, offset: twin.offsetAt(new vscode.Position(4, 13)) }, settings);
    assert.equal(second?.continued ?? false, false, 'made afresh there, not the rest of line 2\'s suggestion');
  });

  it('several cursors get only what fits every one of them', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'javascript', content: 'function f(a, b) {\n  return M\n  // TODO M\n}\n' });
    const editor = await vscode.window.showTextDocument(doc);
    const p1 = new vscode.Position(1, 10), p2 = new vscode.Position(2, 10);
    const alone = (p: vscode.Position) => {
      editor.selections = [new vscode.Selection(p, p)];
      return api.completions.suggest(doc, p, 'automatic')?.[0]?.insertText as string | undefined;
    };
    const a = alone(p1), b = alone(p2);
    editor.selections = [new vscode.Selection(p1, p1), new vscode.Selection(p2, p2)];
    const both = api.completions.suggest(doc, p1, 'automatic')?.[0]?.insertText as string | undefined;
    if (both !== undefined) {
      assert.ok(a?.startsWith(both) && b?.startsWith(both), `${JSON.stringify(both)} fits ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
      assert.ok(both.length >= 2);
    } else {
      let k = 0;
      while (a && b && k < a.length && a[k] === b[k]) k++;
      assert.ok(k < 2, `the cursors share ${JSON.stringify(a?.slice(0, k))}, yet nothing was proposed`);
    }
    // a selection that is not empty: no suggestion
    editor.selections = [new vscode.Selection(p1, p1), new vscode.Selection(2, 2, 2, 9)];
    assert.equal(api.completions.suggest(doc, p1, 'automatic'), undefined);
  });

  it('a notebook cell gets suggestions, read on from the code cells above it, as the same text in a file', async () => {
    const cell1 = 'def add(a, b): return a + b', cell2 = 'ad';
    const notebook = await vscode.workspace.openNotebookDocument('jupyter-notebook', new vscode.NotebookData([
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, cell1, 'python'),
      new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, '# notes', 'markdown'),
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, cell2, 'python'),
    ]));
    await vscode.window.showNotebookDocument(notebook);
    const cellDoc = notebook.cellAt(2).document;
    assert.equal(cellDoc.uri.scheme, 'vscode-notebook-cell');
    const file = await vscode.workspace.openTextDocument({ language: 'python', content: `${cell1}\n\n${cell2}` });
    const inFile = api.completions.suggest(file, new vscode.Position(2, 2), 'explicit')?.map((i) => String(i.insertText));
    const inCell = api.completions.suggest(cellDoc, new vscode.Position(0, 2), 'explicit')?.map((i) => String(i.insertText));
    assert.ok(inFile && inFile.length > 0, 'the file gets a suggestion');
    assert.deepEqual(inCell?.[0], inFile[0], 'the cell gets the file\'s most likely suggestion');
  });

  it('applies a language\'s own completion settings (language-overridable), at the next request', async () => {
    const python = vscode.workspace.getConfiguration('charRnn', { languageId: 'python' });
    const content = 'function f(a, b) {\n  return a + b;\n}\nfunction g(a, b) {\n  return ';
    const js = await vscode.workspace.openTextDocument({ language: 'javascript', content });
    const py = await vscode.workspace.openTextDocument({ language: 'python', content });
    const end = (d: vscode.TextDocument) => d.lineAt(d.lineCount - 1).range.end;
    await python.update('completion.maxChars', 2, vscode.ConfigurationTarget.Workspace, true);
    try {
      const inJs = (api.completions.suggest(js, end(js), 'explicit') ?? []).map((i) => String(i.insertText));
      const inPy = (api.completions.suggest(py, end(py), 'explicit') ?? []).map((i) => String(i.insertText));
      assert.ok(inJs.some((t) => t.length > 2), `JavaScript keeps the default 40 characters: ${JSON.stringify(inJs)}`);
      assert.ok(inPy.length > 0 && inPy.every((t) => t.length <= 2), `Python's own maxChars is 2: ${JSON.stringify(inPy)}`);
    } finally {
      await python.update('completion.maxChars', undefined, vscode.ConfigurationTarget.Workspace, true);
    }
  });

  it('a CRLF document gets the suggestions of its LF version, past the first thousand characters too', async () => {
    const lines = Array.from({ length: 120 }, (_, i) => `  total = add(total, values[${i % 9}]);`);
    const lfDoc = await vscode.workspace.openTextDocument({ language: 'javascript', content: lines.join('\n') + '\n' });
    const crlfDoc = await vscode.workspace.openTextDocument({ language: 'javascript', content: lines.join('\r\n') + '\r\n' });
    assert.equal(crlfDoc.eol, vscode.EndOfLine.CRLF);
    assert.equal(lfDoc.eol, vscode.EndOfLine.LF);
    let compared = 0;
    for (const l of [2, 40, 41, 60, 75, 90, 100, 118]) {
      for (const c of [27, 29, 30, lines[l].length]) {
        const p = new vscode.Position(l, c);
        const a = api.completions.suggest(lfDoc, p, 'automatic')?.map((i) => String(i.insertText));
        const b = api.completions.suggest(crlfDoc, p, 'automatic')?.map((i) => String(i.insertText));
        assert.deepEqual(b, a, `line ${l}, column ${c}`);
        if (a) compared++;
      }
    }
    assert.ok(compared >= 5, `${compared} suggestions compared`);
  });
});
