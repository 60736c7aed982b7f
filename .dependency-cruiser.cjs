/**
 * The dependency rules of docs/architecture.md, checked by `npm run lint:deps` (part of
 * `npm test`). Layers, from the outside in: entry points (cli.ts, server.ts, cluster/) →
 * composition (compose.ts, app.ts) → features → plugins / adapters / db → domain, shared.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes the load order matter and the layers meaningless.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-features-below',
      severity: 'error',
      comment: 'Plugins and adapters are cross-cutting or ports to the outside, and the access rules are domain words: they never know a feature.',
      from: { path: '^src/(access|plugins|adapters|db|domain|shared)/' },
      to: { path: '^src/features/' },
    },
    {
      name: 'no-composition-below',
      severity: 'error',
      comment: 'Only the entry points reach the composition root.',
      from: { path: '^src/(access|features|plugins|adapters|db|domain|shared)/' },
      to: { path: '^src/(app|compose|cli|server)\\.ts$|^src/cluster/' },
    },
    {
      name: 'feature-through-service',
      severity: 'error',
      comment: "A feature reaches another feature only through its service (or pure helpers), never its repository or routes.",
      from: { path: '^src/features/([^/]+)/' },
      to: { path: '^src/features/[^/]+/[^/]+\\.(repository|routes)\\.ts$', pathNot: '^src/features/$1/' },
    },
    {
      name: 'routes-not-repositories',
      severity: 'error',
      comment: 'Routes speak HTTP and call services; rows stay behind the service.',
      from: { path: '\\.routes\\.ts$' },
      to: { path: '\\.repository\\.ts$' },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'Domain types and shared helpers depend on nothing of the app.',
      from: { path: '^src/(domain|shared)/' },
      to: { path: '^src/', pathNot: '^src/(domain|shared)/' },
    },
    {
      name: 'adapters-not-db',
      severity: 'error',
      comment: 'Adapters are ports to the outside: they may name the database types (a job engine records in the caller\'s transaction) but use no code of the database layer or of the plugins.',
      from: { path: '^src/adapters/' },
      to: { path: '^src/(db|plugins)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'services-not-http',
      severity: 'error',
      comment: 'Services and repositories know nothing of HTTP: domain types come from src/domain/, not from a plugin.',
      from: { path: '\\.(service|repository)\\.ts$' },
      to: { path: '^src/plugins/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|web)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
