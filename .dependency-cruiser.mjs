/**
 * The layering of ARCHITECTURE.md, checked by `npm run lint`:
 *
 *   http/ store/                            adapters: import the ports they serve; nothing below imports them
 *   followers/ replies/ menu/ oauth/ kf/    the domain, as bot middleware and services; owns its ports
 *   bot/                                    composer, context, webhook pipeline; owns ReplyRecordStore
 *   wechat-api/                             typed client; owns TokenStore
 *   wire/                                   the protocol, pure
 *
 * config.ts, cli.ts, main.ts, server.ts and index.ts are the composition root and may import anything;
 * logger.ts is a leaf every layer may use. simulator/ stands beside the product and speaks only wire/.
 * An arrow that runs back up is a design question, answered before the import is written.
 */
// access/: who may use the admin surface (console sessions, the brake on guessing the token).
// identities/: people across the Open Platform's apps, linked by UnionID (issue 12).
// component/: the third-party platform (issue 13): its authorizers are served by the same domain.
const DOMAIN = [
  'followers',
  'replies',
  'menu',
  'oauth',
  'kf',
  'access',
  'campaigns',
  'identities',
  'component',
];

/** Each folder of src/ and the folders it may import (besides itself and logger.ts). */
const ALLOWED = {
  wire: [],
  'wechat-api': ['wire'],
  bot: ['wechat-api', 'wire'],
  ...Object.fromEntries(DOMAIN.map((d) => [d, [...DOMAIN, 'bot', 'wechat-api', 'wire']])),
  store: [...DOMAIN, 'bot', 'wechat-api', 'wire'],
  // The console's pages take Config's type and, in sandbox mode, the simulator's.
  http: [...DOMAIN, 'bot', 'wechat-api', 'wire', 'simulator', 'config.ts'],
  simulator: ['wire'],
};

/** A folder of src/ (`bot`) or a file at its root (`config.ts`) as a path pattern. */
const allowedPath = (name) => (name.endsWith('.ts') ? `^src/${name.replace('.', '\\.')}$` : `^src/${name}/`);

const layerRules = Object.entries(ALLOWED).map(([folder, allowed]) => ({
  name: `layer-${folder}`,
  comment: `src/${folder}/ may import only ${allowed.length ? allowed.join(', ') : 'itself'} (and logger.ts)`,
  severity: 'error',
  from: { path: `^src/${folder}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/${folder}/`, '^src/logger\\.ts$', ...allowed.map(allowedPath)],
  },
}));

export default {
  forbidden: [
    ...layerRules,
    {
      name: 'no-folder-cycle',
      comment: 'the folder graph has no cycles (ARCHITECTURE.md), whatever the layers above allow',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycle',
      comment:
        'no module cycle at run time (a type naming its owner back, like simulator/follower.ts, is fine)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'logger-is-a-leaf',
      comment: 'logger.ts is imported from everywhere, so it imports nothing of ours',
      severity: 'error',
      from: { path: '^src/logger\\.ts$' },
      to: { path: '^src/' },
    },
    {
      name: 'config-reads-only-validators',
      comment:
        "config.ts (and the config file checker) validate with the domain's pure validators and nothing else, " +
        'so every layer may read Config without pulling in I/O',
      severity: 'error',
      from: { path: '^src/config(-file|-apps)?\\.ts$' },
      to: {
        path: '^src/',
        // component-config.ts: the WECHAT_COMPONENT_* checks, pure like the others.
        pathNot: [
          '^src/config(-file|-apps)?\\.ts$',
          '^src/(replies|menu|wire)/',
          '^src/component/component-config\\.ts$',
        ],
      },
    },
    {
      name: 'simulator-only-on-demand',
      comment:
        'a production start never loads the simulator: outside simulator/ it is a type, or a dynamic import ' +
        "in sandbox mode; the console's simulator panel (sandbox.ts and simulator-routes.ts) is such a " +
        'module, loaded only by the sandbox composition (next rule)',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: ['^src/simulator/', '^src/http/console/(sandbox|simulator-routes)\\.ts$'],
      },
      to: { path: '^src/simulator/', dependencyTypesNot: ['type-only', 'dynamic-import'] },
    },
    {
      name: 'simulator-panel-only-in-sandbox',
      comment:
        "the simulator panel reaches the console only through main.ts's dynamic import in sandbox mode " +
        '(test/cli/production-imports.test.ts checks a production start at run time)',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/http/console/sandbox\\.ts$'] },
      to: {
        path: '^src/http/console/(sandbox|simulator-routes)\\.ts$',
        dependencyTypesNot: ['type-only', 'dynamic-import'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are arrows too: a port's type is what ties a layer to another.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
