/**
 * The corpus's name rules: which file names are left out by default whatever their content (lock
 * files, minified files and source maps, extensions of files that are not text). A module of its own so
 * that the extension host can apply them (the first-run estimate) without loading the corpus walk.
 */
import type { SkipReason } from './types';

const LOCK_FILE_NAMES: ReadonlySet<string> = new Set([
  'package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'Cargo.lock', 'poetry.lock', 'Gemfile.lock', 'composer.lock',
  'go.sum', 'Pipfile.lock',
]);

const MINIFIED_SUFFIXES: readonly string[] = ['.min.js', '.min.css', '.min.mjs'];

/** Lower-case extensions (without the dot) of files that are not text. */
const NON_TEXT_EXTENSIONS: ReadonlySet<string> = new Set([
  // images
  'png', 'jpg', 'jpeg', 'gif', 'bmp', 'ico', 'webp', 'tiff', 'psd', 'svg',
  // archives
  'zip', 'gz', 'tgz', 'bz2', 'xz', '7z', 'rar', 'zst', 'jar', 'war',
  // binaries
  'exe', 'dll', 'so', 'dylib', 'o', 'a', 'obj', 'class', 'wasm', 'pyc', 'node', 'bin', 'dat',
  // fonts
  'woff', 'woff2', 'ttf', 'otf', 'eot',
  // media
  'mp3', 'mp4', 'wav', 'ogg', 'flac', 'mov', 'avi', 'mkv', 'webm',
  // documents
  'pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx',
  // data and models
  'db', 'sqlite', 'safetensors', 'pt', 'pth', 'onnx', 'npy', 'npz', 'pkl', 'h5', 'vsix',
]);

/** The name-based default excludes of a file (lock files, minified files and maps, non-text extensions), or undefined. */
export function classifyName(name: string): { reason: SkipReason; detail: string } | undefined {
  const lower = name.toLowerCase();
  if (LOCK_FILE_NAMES.has(name) || lower.endsWith('.lock')) {
    return { reason: 'lock-file', detail: `"${name}" is a lock file` };
  }
  const minifiedSuffix = MINIFIED_SUFFIXES.find((suffix) => lower.endsWith(suffix));
  if (minifiedSuffix !== undefined) return { reason: 'minified', detail: `"*${minifiedSuffix}" files are minified` };
  if (lower.endsWith('.map')) return { reason: 'minified', detail: '"*.map" files are source maps' };
  const dot = lower.lastIndexOf('.');
  if (dot > 0) {
    const extension = lower.slice(dot + 1);
    if (NON_TEXT_EXTENSIONS.has(extension)) {
      return { reason: 'not-text-extension', detail: `".${extension}" files are not text` };
    }
  }
  return undefined;
}
