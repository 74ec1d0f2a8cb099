// The workspaces of the quality benchmark (`npm run bench:quality`, scripts/bench-quality.mjs).
//
// Each is a real project that nobody on this project wrote, taken only from a published npm tarball
// (`npm pack NAME@VERSION`, an exact version) or a Debian binary package (`apt-get download PKG=VERSION`),
// laid out under .cache/bench-quality/<id>/ as `train/` and `heldout/`.
//
//   source   where the files come from. Debian's archive may replace a version (a point release, a
//            security fix): the script then takes the current one and records the version it got.
//   copy     what becomes the workspace: `from` a folder of the extracted package, `to` a folder of the
//            workspace ('' for its root), only files whose name matches `include` (all when absent).
//            Files and folders whose name starts with '.' are never copied.
//   heldout  whole folders of the workspace (paths as laid out) that form the test set: never trained on,
//            about 5-15% of the text, real code or docs that are not near-copies of a training folder.
//            Everything else is `train/`.
//
// Not allowed here (kept for tuning or independent checks): the Python standard library, npm's packages
// `npm`, `mocha`, `playwright-core`, `@azure/msal-*`, `assemblyscript`, `typescript`, Debian's
// `python3-docutils` and `python3-pygments`, and anything this project depends on directly.

/** @typedef {{ type: 'npm' | 'deb', name: string, version: string }} Source */
/** @typedef {{ from: string, to: string, include?: RegExp }} CopySpec */
/** @typedef {{ id: string, language: string, description: string, source: Source, copy: CopySpec[], heldout: string[] }} Workspace */

/** @type {Workspace[]} */
export const WORKSPACES = [
  {
    id: 'eslint',
    language: 'JavaScript',
    description: "ESLint's published package: lib/ (the linter, its ~300 rules, CLI), messages/, conf/, bin/",
    source: { type: 'npm', name: 'eslint', version: '9.39.1' },
    copy: [{ from: 'package', to: '' }],
    // the linter core (source code traversal, code-path analysis, reporting): code unlike the rules
    heldout: ['lib/linter'],
  },
  {
    id: 'effect',
    language: 'TypeScript',
    description: "Effect's TypeScript sources (src/): the public modules and their implementation in src/internal",
    source: { type: 'npm', name: 'effect', version: '3.22.4' },
    copy: [{ from: 'package/src', to: 'src' }],
    // implementation folders of STM, channels, metrics and differs (the public modules stay in training)
    heldout: ['src/internal/stm', 'src/internal/channel', 'src/internal/metric', 'src/internal/differ'],
  },
  {
    id: 'go-git',
    language: 'Go',
    description: 'go-git, a Git implementation in pure Go (Debian golang-github-go-git-go-git-dev)',
    source: { type: 'deb', name: 'golang-github-go-git-go-git-dev', version: '5.4.2-3' },
    copy: [{ from: 'usr/share/gocode/src/github.com/go-git/go-git', to: '', include: /\.go$|^go\.mod$/ }],
    // the storage back-ends (filesystem, memory, transactional)
    heldout: ['storage'],
  },
  {
    id: 'sqlalchemy',
    language: 'Python',
    description: 'SQLAlchemy 1.4 (Debian python3-sqlalchemy)',
    source: { type: 'deb', name: 'python3-sqlalchemy', version: '1.4.46+ds1-1' },
    copy: [{ from: 'usr/lib/python3/dist-packages/sqlalchemy', to: 'sqlalchemy', include: /\.pyi?$/ }],
    // the engine (connections, results, reflection) and the connection pool
    heldout: ['sqlalchemy/engine', 'sqlalchemy/pool'],
  },
  {
    id: 'sequel',
    language: 'Ruby',
    description: "Sequel, the Ruby database toolkit: its lib/ (Debian ruby-sequel)",
    source: { type: 'deb', name: 'ruby-sequel', version: '5.63.0-1' },
    copy: [{ from: 'usr/lib/ruby/vendor_ruby', to: 'lib', include: /\.rb$/ }],
    // the dataset layer (SQL generation, query methods)
    heldout: ['lib/sequel/dataset'],
  },
  {
    id: 'git-doc',
    language: 'AsciiDoc (prose)',
    description: "Git's documentation sources: the manual pages and guides as AsciiDoc text (Debian git-doc, the .txt files, not the generated HTML)",
    source: { type: 'deb', name: 'git-doc', version: '1:2.39.5-0+deb12u3' },
    copy: [{ from: 'usr/share/doc/git-doc', to: 'Documentation', include: /\.txt$/ }],
    // the technical documents (formats, protocols, designs)
    heldout: ['Documentation/technical'],
  },
];
