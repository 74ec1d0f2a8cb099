// Downloads the benchmark's workspaces and lays out their train/held-out split (see workspaces.mjs).
//
//   .cache/bench-quality/downloads/          the npm tarballs and Debian packages, as fetched
//   .cache/bench-quality/sources/<src>/      each one extracted
//   .cache/bench-quality/<id>/train/         the workspace without its held-out folders (hard links)
//   .cache/bench-quality/<id>/heldout/       the held-out folders, at the same relative paths
//   .cache/bench-quality/<id>/layout.json    what was laid out, from which version: a second run with the
//                                            same definition skips everything (no network)
//
// Only the package clients reach the network: `npm pack NAME@VERSION` and `apt-get download PKG=VERSION`
// (with one `apt-get update` when the package lists do not know the package or version).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Bump when the layout rules below change, so that old layouts (and models trained on them) are redone. */
const LAYOUT_VERSION = 1;

/** What identifies a layout: the definition, not the version Debian happened to serve. */
export function layoutKey(ws) {
  return JSON.stringify({
    layout: LAYOUT_VERSION,
    source: ws.source,
    copy: ws.copy.map((c) => ({ from: c.from, to: c.to, include: c.include ? String(c.include) : null })),
    heldout: ws.heldout,
  });
}

/** The environment without what an outer `npm run` set (npm_config_* would change what `npm pack` does). */
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|INIT_CWD$)/i.test(k)));
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, env: cleanEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) return { ok: false, out: String(r.error), stdout: '' };
  return { ok: r.status === 0, out: `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim(), stdout: r.stdout ?? '' };
}

function must(r, what) {
  if (!r.ok) throw new Error(`${what} failed:\n${r.out.split('\n').slice(-15).join('\n')}`);
  return r;
}

const readJson = (file) => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
};

/** npm's tarball name: `@scope/name` -> `scope-name-VERSION.tgz`. */
const npmTarball = (name, version) => `${name.replace(/^@/, '').replace(/\//g, '-')}-${version}.tgz`;

let aptUpdated = false;

/** Downloads (once) a Debian package into `downloads`; returns its file and version. */
function fetchDeb(source, downloads, log) {
  const debVersion = (file) => must(run('dpkg-deb', ['-f', file, 'Version']), `dpkg-deb -f ${file}`).stdout.trim();
  const present = () =>
    fs.readdirSync(downloads).filter((f) => f.startsWith(`${source.name}_`) && f.endsWith('.deb')).map((f) => path.join(downloads, f));
  const pick = () => {
    const files = present();
    return files.find((f) => debVersion(f) === source.version) ?? files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  };
  let file = present().find((f) => debVersion(f) === source.version);
  if (!file) {
    const download = (spec) => run('apt-get', ['download', '-o', 'APT::Sandbox::User=root', spec], downloads);
    const pinned = `${source.name}=${source.version}`;
    log(`apt-get download ${pinned}`);
    let r = download(pinned);
    if (!r.ok && !aptUpdated) {
      log('apt-get update (the package lists do not have it)');
      must(run('apt-get', ['update'], downloads), 'apt-get update');
      aptUpdated = true;
      r = download(pinned);
    }
    if (!r.ok) {
      log(`${pinned} is no longer in the archive; taking the current ${source.name}`);
      must(download(source.name), `apt-get download ${source.name}`);
    }
    file = pick();
    if (!file) throw new Error(`apt-get download ${source.name} left no .deb in ${downloads}`);
  }
  const version = debVersion(file);
  if (version !== source.version) log(`warning: ${source.name} is version ${version}, not the pinned ${source.version}`);
  return { file, version };
}

/** Downloads (once) an npm package's published tarball into `downloads`. */
function fetchNpm(source, downloads, log) {
  const file = path.join(downloads, npmTarball(source.name, source.version));
  if (!fs.existsSync(file)) {
    log(`npm pack ${source.name}@${source.version}`);
    const r = must(run('npm', ['pack', `${source.name}@${source.version}`, '--pack-destination', downloads, '--json'], downloads), 'npm pack');
    let name;
    try {
      name = JSON.parse(r.stdout)[0].filename;
    } catch {
      name = path.basename(file);
    }
    const got = path.join(downloads, name);
    if (!fs.existsSync(got)) throw new Error(`npm pack did not write ${got}`);
    if (got !== file) fs.renameSync(got, file);
  }
  return { file, version: source.version };
}

/** Fetches and extracts a source (each step skipped when already done); returns the extracted folder and version. */
export function fetchSource(source, cacheDir, log) {
  const downloads = path.join(cacheDir, 'downloads');
  fs.mkdirSync(downloads, { recursive: true });
  const { file, version } = source.type === 'npm' ? fetchNpm(source, downloads, log) : fetchDeb(source, downloads, log);
  const dir = path.join(cacheDir, 'sources', `${source.type}-${source.name}-${version}`.replace(/[^A-Za-z0-9._+-]/g, '_'));
  const done = path.join(dir, '.extracted');
  if (!fs.existsSync(done)) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    log(`extracting ${path.basename(file)}`);
    if (source.type === 'npm') must(run('tar', ['-xzf', file, '-C', dir]), `tar -x ${file}`);
    else must(run('dpkg-deb', ['-x', file, dir]), `dpkg-deb -x ${file}`);
    fs.writeFileSync(done, `${version}\n`);
  }
  return { dir, version };
}

/** Is the workspace-relative posix path `rel` inside one of the held-out folders? */
export function isHeldOut(rel, heldout) {
  return heldout.some((folder) => rel === folder || rel.startsWith(`${folder}/`));
}

/** Files below `dir` (posix paths relative to it), in name order, skipping names that start with '.'. */
function listFiles(dir, rel = '', out = []) {
  const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) listFiles(dir, r, out);
    else if (e.isFile()) out.push(r);
  }
  return out;
}

function linkOrCopy(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
}

/**
 * Makes `<cacheDir>/<id>/train` and `heldout` for a workspace (skipped when its layout.json matches the
 * definition). A new layout removes the models and results of the old one. Returns the layout record.
 */
export function prepareWorkspace(ws, cacheDir, log) {
  const wsDir = path.join(cacheDir, ws.id);
  const trainDir = path.join(wsDir, 'train');
  const heldoutDir = path.join(wsDir, 'heldout');
  const markerFile = path.join(wsDir, 'layout.json');
  const key = layoutKey(ws);
  const marker = readJson(markerFile);
  if (marker?.key === key && fs.existsSync(trainDir) && fs.existsSync(heldoutDir)) return { ...marker, wsDir, trainDir, heldoutDir, reused: true };

  const { dir, version } = fetchSource(ws.source, cacheDir, log);
  const tmp = path.join(wsDir, '.layout-tmp');
  fs.rmSync(tmp, { recursive: true, force: true });
  const counts = { train: 0, heldout: 0 };
  const heldoutSeen = new Set();
  for (const spec of ws.copy) {
    const from = path.join(dir, spec.from);
    if (!fs.existsSync(from)) throw new Error(`${ws.id}: ${spec.from} is not in ${ws.source.name} ${version}`);
    for (const rel of listFiles(from)) {
      if (spec.include && !spec.include.test(path.posix.basename(rel))) continue;
      const dest = spec.to ? `${spec.to}/${rel}` : rel;
      const side = isHeldOut(dest, ws.heldout) ? 'heldout' : 'train';
      if (side === 'heldout') heldoutSeen.add(ws.heldout.find((f) => isHeldOut(dest, [f])));
      linkOrCopy(path.join(from, rel), path.join(tmp, side, dest));
      counts[side]++;
    }
  }
  const missing = ws.heldout.filter((f) => !heldoutSeen.has(f));
  if (missing.length > 0) throw new Error(`${ws.id}: held-out folder(s) ${missing.join(', ')} have no file in ${ws.source.name} ${version}`);
  if (counts.train === 0) throw new Error(`${ws.id}: no training file`);

  // replace the old layout and whatever was computed from it
  for (const name of fs.existsSync(wsDir) ? fs.readdirSync(wsDir) : []) {
    if (name === 'train' || name === 'heldout' || /^model-.*\.safetensors/.test(name) || /\.(train\.jsonl|eval\.json)$/.test(name) || name === 'layout.json') {
      fs.rmSync(path.join(wsDir, name), { recursive: true, force: true });
    }
  }
  fs.renameSync(path.join(tmp, 'train'), trainDir);
  fs.mkdirSync(path.join(tmp, 'heldout'), { recursive: true });
  fs.renameSync(path.join(tmp, 'heldout'), heldoutDir);
  fs.rmSync(tmp, { recursive: true, force: true });
  const record = { key, id: ws.id, source: { ...ws.source, version, pinnedVersion: ws.source.version }, files: counts, laidOutAt: new Date().toISOString() };
  fs.writeFileSync(markerFile, JSON.stringify(record, null, 2) + '\n');
  log(`laid out ${counts.train} training and ${counts.heldout} held-out files`);
  return { ...record, wsDir, trainDir, heldoutDir, reused: false };
}

/**
 * Sizes after the project's own corpus rules (dist/core.js's readCorpus, as `train` and `eval` read them):
 * files, characters (code points) and skipped paths of train/ and heldout/.
 */
export async function measureWorkspace(layout, readCorpus) {
  const measure = async (dir) => {
    const c = await readCorpus([dir], { valFraction: 0 });
    return { files: c.files.length, chars: c.totalChars, bytes: c.totalBytes, skipped: c.skipped.length };
  };
  const train = await measure(layout.trainDir);
  const heldout = await measure(layout.heldoutDir);
  return { train, heldout, heldoutFraction: heldout.chars / (train.chars + heldout.chars) };
}
