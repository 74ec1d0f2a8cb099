/**
 * The package as the Marketplace gets it (issue 13): exactly the files the extension loads ship in the
 * .vsix (`vsce ls`), the metadata the Marketplace expects, every setting with a scope and an order,
 * the walkthrough's steps and media, a 128 px PNG icon.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/repo';

const root = repoRoot();
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('the package', () => {
  it('ships exactly what the extension loads: its bundles, its media, no CLI, library, source maps or demo corpus', function () {
    this.timeout(120_000);
    assert.ok(fs.existsSync(path.join(root, 'dist', 'extension.js')), 'build first (npm run build)');
    const vsce = path.join(root, 'node_modules', '.bin', 'vsce');
    const listed = execFileSync(vsce, ['ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' }).split('\n').map((l) => l.trim()).filter(Boolean).sort();
    const media = (dir: string, ext: string) => fs.readdirSync(path.join(root, 'media', dir)).filter((f) => f.endsWith(ext)).map((f) => `media/${dir}/${f}`);
    const expected = [
      'CHANGELOG.md', 'LICENSE', 'README.md', 'package.json',
      'dist/extension.js', 'dist/trainer-process.js', 'dist/train-worker.js', 'dist/checkpoint-worker.js',
      'dist/webview/panel.js', 'dist/webview/panel.css',
      'media/icon.png', ...media('walkthrough', '.md'), ...media('screenshots', '.png'),
    ].sort();
    assert.deepEqual(listed, expected);
  });

  it('has the metadata the Marketplace expects', () => {
    for (const key of ['name', 'displayName', 'description', 'version', 'publisher', 'license', 'icon', 'homepage']) assert.ok(typeof pkg[key] === 'string' && pkg[key] !== '', key);
    assert.match(pkg.repository.url, /^https:\/\//);
    assert.match(pkg.bugs.url, /^https:\/\//);
    assert.match(pkg.galleryBanner.color, /^#[0-9a-f]{6}$/i);
    assert.ok(pkg.keywords.length >= 5 && pkg.keywords.length <= 30);
    assert.deepEqual(pkg.categories, ['AI', 'Machine Learning']);
    assert.equal(pkg.capabilities.virtualWorkspaces.supported, false);
    // an untrusted workspace's settings may not make the editor load a model file (charRnn.model.path)
    assert.deepEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, ['charRnn.model.path']);
    assert.ok(fs.existsSync(path.join(root, 'CHANGELOG.md')));
    // the icon: a PNG of 128 x 128
    const png = fs.readFileSync(path.join(root, pkg.icon));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
  });

  it('gives every setting a scope and an order, in sections', () => {
    const sections = pkg.contributes.configuration as { title: string; order: number; properties: Record<string, { scope?: string; order?: number }> }[];
    assert.deepEqual(sections.map((s) => s.title), ['Completion', 'Training', 'Model']);
    const scopes: Record<string, string> = {};
    for (const s of sections) {
      for (const [key, p] of Object.entries(s.properties)) {
        assert.ok(Number.isInteger(p.order), `${key} has an order`);
        assert.ok(p.scope, `${key} has a scope`);
        scopes[key] = p.scope!;
      }
    }
    assert.equal(scopes['charRnn.training.include'], 'resource');
    assert.equal(scopes['charRnn.training.exclude'], 'resource');
    assert.equal(scopes['charRnn.model.hiddenSize'], 'window');
    // a folder's .vscode/settings.json may name the team model (the first folder's, in a multi-root workspace)
    assert.equal(scopes['charRnn.model.path'], 'resource');
    for (const k of ['maxChars', 'minConfidence', 'alternatives', 'temperature', 'topK', 'topP', 'multiline', 'mode', 'debounceMs']) {
      assert.equal(scopes[`charRnn.completion.${k}`], 'language-overridable', k);
    }
  });

  it('has a walkthrough whose steps each have their media and a way to complete', () => {
    const [walkthrough] = pkg.contributes.walkthroughs;
    assert.equal(`${pkg.publisher}.${pkg.name}#${walkthrough.id}`, 'char-rnn-complete.char-rnn-complete#charRnn.gettingStarted', 'WALKTHROUGH_ID in training/first-run.ts');
    assert.deepEqual(walkthrough.steps.map((s: { id: string }) => s.id), ['train', 'panel', 'accept', 'settings']);
    for (const step of walkthrough.steps) {
      assert.ok(fs.existsSync(path.join(root, step.media.markdown)), step.media.markdown);
      assert.ok(step.completionEvents.length > 0, step.id);
    }
  });
});
