/**
 * One source for each numeric setting's bounds (src/extension/setting-rules.ts): `package.json` must hold
 * them as literals for VS Code, so every numeric `charRnn.*` setting there is checked against its rule
 * (minimum, maximum, default, integer or not, and the range its description names), and the model's and
 * training's rules against what the core accepts (MODEL_LIMITS, DIRECT_LIMITS, validateTrainSettings).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DIRECT_LIMITS } from '../../src/core/model/direct-connections';
import { MODEL_LIMITS } from '../../src/core/model/model';
import { DEFAULT_TRAIN_SETTINGS, TrainSettings, validateTrainSettings } from '../../src/core/checkpoint/training-state';
import { NUMBER_RULES, NumberRule } from '../../src/extension/setting-rules';
import { repoRoot } from '../helpers/repo';

interface DeclaredSetting {
  type: string | string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  markdownDescription?: string;
}

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8'));
const declared: Record<string, DeclaredSetting> = Object.assign({}, ...pkg.contributes.configuration.map((section: { properties: object }) => section.properties));
const rules: Record<string, NumberRule> = NUMBER_RULES;
const isNumeric = (s: DeclaredSetting) => s.type === 'number' || s.type === 'integer';

/** The setting of each TrainSettings field the editor sets (job-settings.ts). */
const TRAINER_FIELDS: Record<string, keyof TrainSettings> = {
  'model.hiddenSize': 'hiddenSize',
  'model.layers': 'layers',
  'model.directOrders': 'directOrders',
  'model.directConnectionsMB': 'directMB',
  'training.seqLength': 'seqLength',
  'training.batchSize': 'batchSize',
  'training.learningRate': 'learningRate',
  'training.threads': 'threads',
};

describe('the numeric settings\' rules', () => {
  it('every numeric setting in package.json has a rule, and every rule a numeric setting', () => {
    const numeric = Object.keys(declared).filter((name) => isNumeric(declared[name])).map((name) => name.replace(/^charRnn\./, '')).sort();
    assert.deepEqual(numeric, Object.keys(rules).sort());
  });

  it('package.json declares each numeric setting with its rule\'s minimum, maximum, default and kind', () => {
    for (const [key, rule] of Object.entries(rules)) {
      const setting = declared[`charRnn.${key}`];
      assert.ok(setting, `charRnn.${key} is declared`);
      assert.equal(setting.minimum, rule.min, `charRnn.${key}'s minimum in package.json`);
      assert.equal(setting.maximum, rule.max, `charRnn.${key}'s maximum in package.json`);
      assert.equal(setting.default, rule.default, `charRnn.${key}'s default in package.json`);
      assert.equal(setting.type, rule.integer ? 'integer' : 'number', `charRnn.${key}'s type in package.json`);
      assert.ok(rule.min <= rule.default && rule.default <= rule.max, `charRnn.${key}'s default is within its bounds`);
    }
  });

  it('a range named in a setting\'s description is its bounds', () => {
    let named = 0;
    for (const [key, rule] of Object.entries(rules)) {
      const range = /\((\d[\d,.]*) to (\d[\d,.]*)[;)]/.exec(declared[`charRnn.${key}`].markdownDescription ?? '');
      if (!range) continue;
      named++;
      assert.deepEqual([Number(range[1].replace(/,/g, '')), Number(range[2].replace(/,/g, ''))], [rule.min, rule.max], `charRnn.${key}'s description: '${range[0]}'`);
    }
    assert.ok(named > 0, 'some descriptions name their range');
  });

  it('the model settings\' bounds are the core\'s limits', () => {
    const bounds = (key: string) => ({ min: rules[key].min, max: rules[key].max });
    assert.deepEqual(bounds('model.hiddenSize'), MODEL_LIMITS.hiddenSize);
    assert.deepEqual(bounds('model.layers'), MODEL_LIMITS.layers);
    assert.deepEqual(bounds('model.directOrders'), DIRECT_LIMITS.orders);
    assert.deepEqual(bounds('model.directConnectionsMB'), DIRECT_LIMITS.megabytes);
  });

  it('the trainer accepts each model and training setting at its bounds and its default', () => {
    for (const [key, field] of Object.entries(TRAINER_FIELDS)) {
      const rule = rules[key];
      for (const value of [rule.min, rule.max, rule.default]) {
        // threads 0 in the settings: every core but one (settings.ts), at least one
        const v = key === 'training.threads' ? Math.max(1, value) : value;
        assert.doesNotThrow(() => validateTrainSettings({ ...DEFAULT_TRAIN_SETTINGS, [field]: v }), `charRnn.${key} = ${v}`);
      }
    }
  });
});
