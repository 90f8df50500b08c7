// The import order of src/ (docs/ARCHITECTURE.md, "Layers"), checked by `npm run lint` (npm test, CI).
//
// Layers, each may import only from those to its left (a layer may import itself):
//   kernel (config, clock, errors, logger) <- store <- merchants (+ the service rules every capability
//   configures) <- availability <- bookings, waitlist <- rtu, feeds, messages, estimates, retention, removal
//   <- edge (src/http with Google's /v3 routes, src/admin with the /admin/v1 routes, src/web) <- top (app, cli, demo, conformance)
// A lower layer that must cause a higher one's side effect in the same transaction defines a listener
// interface and src/app.ts wires the higher implementation in (see docs/ARCHITECTURE.md).
//
// KNOWN lists the imports that break a rule today, each removed by the refactoring step named next to
// it (issue 12). Never add to them: fix the import instead.

const KERNEL = '^src/(config|clock|errors|logger)\\.ts$';
// Route files live at the edge: src/http (Google's /v3) and src/admin (/admin/v1), next to the plugin that registers them.
const EDGE = '^src/(http|admin|web)/';
const TOP = '^src/(app|cli)\\.ts$|^src/(demo|conformance)/';
// Layers, lowest first.
const LAYERS = [
  { name: 'kernel', path: KERNEL },
  { name: 'store', path: '^src/store/' },
  { name: 'merchants', path: '^src/merchants/' },
  { name: 'availability', path: '^src/availability/' },
  { name: 'bookings-waitlist', path: '^src/(bookings|waitlist)/' },
  { name: 'rtu-feeds-messages', path: '^src/(rtu|feeds|messages|estimates|retention|removal)/' },
  { name: 'edge', path: EDGE },
  { name: 'top', path: TOP },
];

// Imports that break a rule today: "from -> to" (paths relative to the repository), with the step that removes them.
const KNOWN = {
  layers: [],
  repositories: [],
};

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const layerRules = [];
LAYERS.forEach((layer, index) => {
  const higher = LAYERS.slice(index + 1);
  if (higher.length === 0) return;
  // One rule per (layer, known target) so that exceptions stay per import, plus one for the rest.
  const targets = [...new Set(KNOWN.layers.filter((e) => new RegExp(layer.path).test(e.split(' -> ')[0])).map((e) => e.split(' -> ')[1]))];
  const pathNotTo = targets.map((t) => `^${escapeRegExp(t)}$`);
  layerRules.push({
    name: `layer-${layer.name}`,
    severity: 'error',
    comment: `${layer.name} imports only from layers below it (${LAYERS.slice(0, index + 1)
      .map((l) => l.name)
      .join(', ')}). A side effect owned by a higher layer goes through a listener interface wired in src/app.ts.`,
    from: { path: layer.path },
    to: { path: higher.map((h) => h.path).join('|'), ...(pathNotTo.length ? { pathNot: pathNotTo.join('|') } : {}) },
  });
  for (const target of targets) {
    const offenders = KNOWN.layers
      .filter((e) => e.endsWith(` -> ${target}`) && new RegExp(layer.path).test(e.split(' -> ')[0]))
      .map((e) => `^${escapeRegExp(e.split(' -> ')[0])}$`);
    layerRules.push({
      name: `layer-${layer.name}`,
      severity: 'error',
      comment: `${layer.name} imports only from layers below it (known exceptions are being removed, issue 12).`,
      from: { path: layer.path, pathNot: offenders.join('|') },
      to: { path: `^${escapeRegExp(target)}$` },
    });
  }
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles between files.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment: 'No import cycles between folders of src/ (the layer order is acyclic).',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'every-folder-in-a-layer',
      severity: 'error',
      comment: 'A new folder of src/ gets its place in LAYERS above (and in docs/ARCHITECTURE.md) before it lands.',
      from: { path: '^src/', pathNot: [...LAYERS.map((l) => l.path), '^src/(gen|test-support)/'].join('|') },
      to: {},
    },
    {
      name: 'no-foreign-repository',
      severity: 'error',
      comment: "A capability's repository is private to its folder: others use its service or a read model it exports (read-model.ts).",
      from: { path: '^src/([^/]+)/', pathNot: ['^src/test-support/', ...KNOWN.repositories.map((e) => `^${escapeRegExp(e.split(' -> ')[0])}$`)].join('|') },
      to: { path: '^src/[^/]+/repository\\.ts$', pathNot: '^src/$1/' },
    },
    ...[...new Set(KNOWN.repositories.map((e) => e.split(' -> ')[0]))].map((from) => ({
      name: 'no-foreign-repository',
      severity: 'error',
      comment: 'Known exception being removed (issue 12): only the listed repositories.',
      from: { path: `^${escapeRegExp(from)}$` },
      to: {
        path: '^src/[^/]+/repository\\.ts$',
        pathNot: [
          `^${escapeRegExp(from.replace(/[^/]+$/, ''))}`,
          ...KNOWN.repositories.filter((e) => e.startsWith(`${from} -> `)).map((e) => `^${escapeRegExp(e.split(' -> ')[1])}$`),
        ].join('|'),
      },
    })),
    {
      name: 'http-framework-only-at-the-edge',
      severity: 'error',
      comment: 'Fastify and TypeBox only in route files, src/http, src/admin, src/web and the composition root.',
      from: { path: '^src/', pathNot: `${EDGE}|${TOP}|^src/test-support/` },
      to: { path: '(^|/)node_modules/(fastify|@fastify/[^/]+|typebox|@sinclair/typebox|fastify-plugin)/' },
    },
    {
      name: 'generated-code-only-in-protocol-adapters',
      severity: 'error',
      comment:
        'Generated proto code (src/gen) only in the protocol adapters: route files and src/http (inbound), src/rtu and src/feeds ' +
        "(outbound to Google: the RTU calls and the feed files are Google's wire messages).",
      from: { path: '^src/', pathNot: `${EDGE}|${TOP}|^src/(rtu|feeds|gen|test-support)/` },
      to: { path: '^src/gen/' },
    },
    {
      name: 'conformance-is-a-client',
      severity: 'error',
      comment:
        "src/conformance plays Google against any v3 booking server over HTTP, so it imports nothing of this server's " +
        'code (docs/CONFORMANCE.md); src/cli.ts registers it.',
      from: { path: '^src/conformance/' },
      to: { path: '^src/', pathNot: '^src/conformance/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Tests and their helpers are outside the layer order (a test may build the whole app).
    exclude: { path: '\\.test\\.ts$|^src/test-support/' },
    // TypeScript 7's compiler has no JavaScript API, which dependency-cruiser's own TypeScript parser needs;
    // swc parses the sources instead, type-only imports included (docs/DEPENDENCIES.md).
    parser: 'swc',
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
  },
};
