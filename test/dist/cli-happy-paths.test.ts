/** The CLI's commands as a user runs them when all is well: train, resume, sample, complete, eval, bench. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCheckpoint } from '../../src/core/checkpoint/checkpoint';
import { defaultKernels } from '../../src/core/kernels/default-kernels';
import { assertUserError, corpus, CORPUS_FILES, fixture, ok, tmp, useCliWorkspace } from '../helpers/cli';

/** Every line of stdout parsed as JSON; fails on any line that is not a JSON object. */
function jsonLines(stdout: string): Record<string, unknown>[] {
  const lines = stdout.split('\n').filter((l) => l !== '');
  assert.ok(lines.length > 0, 'no output');
  return lines.map((line) => {
    let value: unknown;
    assert.doesNotThrow(() => { value = JSON.parse(line); }, `not JSON: ${line}`);
    assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `not a JSON object: ${line}`);
    return value as Record<string, unknown>;
  });
}

function onlyJson(stdout: string): Record<string, unknown> {
  const objects = jsonLines(stdout);
  assert.equal(objects.length, 1, `expected one JSON object, got:\n${stdout}`);
  return objects[0];
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

describe('char-rnn CLI (dist/cli.js)', function () {
  this.timeout(30_000);
  useCliWorkspace();

  /** trained by the train tests */
  let model: string;

  before(() => {
    model = path.join(tmp, 'm.safetensors');
  });

  describe('happy paths', () => {
    let firstDone: Record<string, unknown>;

    it('train --json prints one JSON event per line and writes the checkpoint', async () => {
      const stdout = ok(['train', corpus, '--out', model, '--steps', '3', '--hidden', '16', '--batch', '4', '--seq', '16', '--val-fraction', '0.3', '--json']);
      const events = jsonLines(stdout);
      const kinds = events.map((e) => e.event);
      // the contract (src/cli/train.ts, jsonReporter): every object has event, step, charsSeen and loss
      for (const e of events) {
        assert.equal(typeof e.event, 'string', `event of ${JSON.stringify(e)}`);
        assert.ok(isNumber(e.step), `step of ${JSON.stringify(e)}`);
        assert.ok(isNumber(e.charsSeen), `charsSeen of ${JSON.stringify(e)}`);
        assert.ok(isNumber(e.loss), `loss of ${JSON.stringify(e)}`);
        if (e.event === 'val') assert.ok(isNumber(e.valBitsPerChar) && e.valBitsPerChar > 0, `valBitsPerChar of ${JSON.stringify(e)}`);
      }
      assert.equal(kinds[0], 'start', `events: ${kinds.join(', ')}`);
      assert.equal(kinds.filter((k) => k === 'start').length, 1);
      // the corpus summary rides on the start event
      const start = events[0];
      assert.equal(start.step, 0);
      assert.equal(start.files, Object.keys(CORPUS_FILES).length);
      assert.ok(isNumber(start.trainFiles) && start.trainFiles > 0);
      assert.ok(isNumber(start.valFiles) && start.valFiles > 0, 'a file is held out for validation');
      assert.ok(isNumber(start.parameters) && start.parameters > 0);
      assert.ok(!('corpus' in start), 'the corpus object itself is not printed');
      assert.ok(kinds.includes('val'), 'held-out files give a val event');
      const done = events.filter((e) => e.event === 'done');
      assert.equal(done.length, 1, 'exactly one done event');
      firstDone = done[0];
      assert.equal(firstDone.step, 3);
      assert.equal(firstDone.reason, 'steps');
      assert.equal(firstDone.charsSeen, 3 * 4 * 16, 'B * T characters per step');

      assert.ok(fs.existsSync(model), 'the checkpoint was written');
      const loaded = await loadCheckpoint(model, defaultKernels());
      assert.equal(loaded.model.config.hiddenSize, 16);
      assert.equal(loaded.training!.step, 3);
      assert.equal(loaded.training!.settings.batchSize, 4);
      assert.equal(loaded.training!.settings.seqLength, 16);
      assert.ok(loaded.model.vocab.symbols.includes('😀'), 'the emoji is one symbol of the vocabulary');
    });

    it('train --resume continues from the saved step', async () => {
      assert.ok(firstDone, 'depends on the previous test');
      const stdout = ok(['train', corpus, '--out', model, '--resume', model, '--steps', '5', '--val-fraction', '0.3', '--json']);
      const events = jsonLines(stdout);
      const start = events.find((e) => e.event === 'start')!;
      assert.ok(start, 'a start event');
      assert.equal(start.step, 3);
      assert.equal(start.charsSeen, firstDone.charsSeen);
      assert.equal(start.resumedExactly, true, 'same data and chunking: the streams carry over');
      const steps = events.filter((e) => e.event !== 'corpus').map((e) => e.step as number);
      assert.ok(steps.every((s) => s >= 3), `no step before 3: ${steps.join(', ')}`);
      const done = events.find((e) => e.event === 'done')!;
      assert.equal(done.step, 5);
      const loaded = await loadCheckpoint(model, defaultKernels());
      assert.equal(loaded.training!.step, 5);
      assert.equal(loaded.model.config.hiddenSize, 16, 'the shape comes from the checkpoint');
      assert.equal(loaded.training!.settings.batchSize, 4, 'the saved settings carry over');
    });

    it('train ends by saying which model it kept: the best by validation', () => {
      const out = path.join(tmp, 'kept.safetensors');
      const stdout = ok(['train', corpus, '--out', out, '--steps', '3', '--hidden', '16', '--batch', '4', '--seq', '16', '--val-fraction', '0.3']);
      const lines = stdout.trim().split('\n');
      assert.match(lines[lines.length - 1], /^saved .*kept\.safetensors: kept the best model: step 3, validation \d+\.\d{3} bits\/char$/);
      assert.match(stdout, /^Split: \d+ train, \d+ val \(.*by file .*near-duplicate group/m);
    });

    // issue 12, kind 1: the example, as given
    it('a diverged run (--lr 10) stops with one line, exit status 2, and leaves the good checkpoint as it was', () => {
      const good = path.join(tmp, 'good.safetensors');
      fs.copyFileSync(fixture, good);
      const before = fs.readFileSync(good);
      assertUserError(['train', corpus, '--resume', good, '--out', good, '--lr', '10', '--clip', '1e9', '--steps', '400'],
        /^char-rnn: training diverged at step \d+: .*; .*good\.safetensors was left as it was: kept the best model: step 3, validation \d+\.\d{3} bits\/char$/);
      assert.ok(fs.readFileSync(good).equals(before), 'the checkpoint is unchanged');
      assert.ok(!fs.existsSync(path.join(tmp, 'good.latest.safetensors')));
    });

    it('sample prints text that starts with the prefix, deterministically for a seed', () => {
      const args = ['sample', '--model', fixture, '--prefix', 'ab', '--length', '20', '--seed', '1'];
      const a = ok(args);
      const b = ok(args);
      assert.equal(a, b, 'same seed, same output');
      assert.ok(a.startsWith('ab'), `output: ${JSON.stringify(a)}`);
      assert.ok(a.endsWith('\n'));
      assert.equal([...a.slice(0, -1)].length, 2 + 20, `prefix + 20 characters: ${JSON.stringify(a)}`);
      const other = ok(['sample', '--model', fixture, '--prefix', 'ab', '--length', '20', '--seed', '2']);
      assert.notEqual(other, a, 'another seed, another sample');
      // --temperature 0 is greedy by convention (issue 13, kind 7): whatever the seed, --greedy's text
      const greedy = ok(['sample', '--model', fixture, '--prefix', 'ab', '--length', '20', '--greedy']);
      for (const seed of ['1', '2']) assert.equal(ok(['sample', '--model', fixture, '--prefix', 'ab', '--length', '20', '--temperature', '0', '--seed', seed]), greedy);
      const json = onlyJson(ok([...args, '--json']));
      assert.equal(json.prefix, 'ab');
      assert.equal('ab' + (json.text as string) + '\n', a, '--json holds the same text');
    });

    it('complete prints the proposal at an offset', () => {
      const file = path.join(corpus, 'add.js');
      const text = fs.readFileSync(file, 'utf8');
      const out = onlyJson(ok(['complete', '--model', fixture, '--file', file, '--offset', '10', '--json']));
      assert.equal(out.offset, 10);
      assert.ok('text' in out);
      assert.ok(out.text === null || typeof out.text === 'string', `text: ${JSON.stringify(out.text)}`);
      if (out.text !== null) assert.ok(Number.isInteger(out.replace) && (out.replace as number) >= 0, `replace: ${out.replace}`);
      const atEnd = onlyJson(ok(['complete', '--model', fixture, '--file', file, '--json']));
      assert.equal(atEnd.offset, text.length, 'the default offset is the end of the file');
    });

    it('eval prints bits per character, and keystroke savings with --ksr', () => {
      const plain = onlyJson(ok(['eval', '--model', fixture, corpus, '--json']));
      assert.ok(isNumber(plain.bitsPerChar) && plain.bitsPerChar > 0, `bitsPerChar: ${plain.bitsPerChar}`);
      assert.ok(isNumber(plain.chars) && plain.chars > 0, `chars: ${plain.chars}`);
      assert.ok(!('ksr' in plain));
      const ksr = onlyJson(ok(['eval', '--model', fixture, corpus, '--ksr', '--max-chars', '300', '--json']));
      for (const key of ['bitsPerChar', 'chars', 'ksr', 'acceptance', 'shown']) assert.ok(isNumber(ksr[key]), `${key}: ${ksr[key]}`);
      assert.ok((ksr.chars as number) <= 300, `--max-chars bounds chars: ${ksr.chars}`);
      assert.ok((ksr.ksr as number) >= 0 && (ksr.ksr as number) <= 1);
      assert.ok((ksr.acceptance as number) >= 0 && (ksr.acceptance as number) <= 1);
    });

    it('bench --json --quick prints one JSON object of figures', function () {
      this.timeout(60_000);
      const out = onlyJson(ok(['bench', '--json', '--quick']));
      const train = out.trainCharsPerSec as Record<string, unknown>;
      assert.ok(train && typeof train === 'object', 'trainCharsPerSec is an object');
      assert.deepEqual(Object.keys(train).sort(), ['256', '512']);
      for (const h of ['256', '512']) assert.ok(isNumber(train[h]) && train[h] > 0, `trainCharsPerSec[${h}]: ${train[h]}`);
      for (const key of ['completionP50Ms', 'completionP95Ms', 'coldStartMs', 'peakRssMB']) {
        assert.ok(isNumber(out[key]) && out[key] >= 0, `${key}: ${out[key]}`);
      }
      assert.ok((out.completionP50Ms as number) <= (out.completionP95Ms as number), 'p50 <= p95');
      assert.ok((out.peakRssMB as number) > 0);
    });
  });
});
