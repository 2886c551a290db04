/**
 * The layers of src/ and the imports each may make (docs/architecture.md explains them).
 * `npm run lint:deps` checks them; CI runs it right after `npm run lint`.
 *
 * Each entry of LAYERS names a layer (a folder of src/, or one top-level file) and the layers it
 * may import. Any other import from src/ into src/ is an error, and so is a cycle that leaves a
 * folder. Imports inside one layer are free.
 */

/** @type {Record<string, { path: string, mayImport: string[], typesOnly?: string[] }>} */
const LAYERS = {
  protocol: { path: "^src/protocol/", mayImport: [] },
  optionChecks: { path: "^src/optionChecks\\.ts$", mayImport: [] },
  machines: { path: "^src/machines/", mayImport: [], typesOnly: ["protocol"] },
  store: { path: "^src/store/", mayImport: ["protocol", "optionChecks"] },
  transport: { path: "^src/transport/", mayImport: ["protocol", "optionChecks"] },
  legacy: { path: "^src/legacy/", mayImport: ["protocol", "optionChecks"] },
  actors: {
    path: "^src/actors/",
    mayImport: ["protocol", "optionChecks", "machines", "store", "legacy"],
    typesOnly: ["transport"],
  },
  inspect: { path: "^src/inspect/", mayImport: ["protocol", "optionChecks", "machines", "store", "legacy", "actors"] },
  testbed: { path: "^src/testbed/", mayImport: ["protocol", "optionChecks"] },
  demo: { path: "^src/demo/", mayImport: ["protocol", "optionChecks", "legacy", "testbed"] },
  gatewayOptions: {
    path: "^src/gatewayOptions\\.ts$",
    mayImport: ["protocol", "optionChecks", "store", "transport", "legacy"],
    typesOnly: ["machines"],
  },
  createGateway: {
    path: "^src/createGateway\\.ts$",
    mayImport: ["protocol", "optionChecks", "machines", "store", "transport", "legacy", "actors", "inspect", "gatewayOptions"],
  },
  cluster: { path: "^src/cluster/", mayImport: ["protocol", "optionChecks", "store", "demo", "createGateway"] },
  cli: {
    path: "^src/cli/",
    mayImport: ["protocol", "optionChecks", "machines", "store", "transport", "legacy", "actors", "inspect", "testbed", "demo", "gatewayOptions", "createGateway", "cluster"],
  },
  index: {
    path: "^src/index\\.ts$",
    mayImport: ["protocol", "optionChecks", "machines", "store", "transport", "legacy", "actors", "inspect", "gatewayOptions", "createGateway", "cluster"],
  },
};

const pathsOf = (names) => names.map((name) => LAYERS[name].path);

const layerRules = Object.entries(LAYERS).flatMap(([name, layer]) => {
  const rules = [
    {
      name: `${name}-imports-only-${[...layer.mayImport, ...(layer.typesOnly ?? [])].join("+") || "itself"}`,
      comment: `${name} may import ${layer.mayImport.join(", ") || "no other layer"}${layer.typesOnly ? ` (and types only from ${layer.typesOnly.join(", ")})` : ""}: see docs/architecture.md`,
      severity: "error",
      from: { path: layer.path },
      to: { path: "^src/", pathNot: [layer.path, ...pathsOf(layer.mayImport), ...pathsOf(layer.typesOnly ?? [])] },
    },
  ];
  if (layer.typesOnly) {
    rules.push({
      name: `${name}-imports-only-types-from-${layer.typesOnly.join("+")}`,
      comment: `${name} may use ${layer.typesOnly.join(", ")} only through \`import type\` (docs/architecture.md says why)`,
      severity: "error",
      from: { path: layer.path },
      to: { path: pathsOf(layer.typesOnly), dependencyTypesNot: ["type-only"] },
    });
  }
  return rules;
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "no-cycle-between-folders",
      comment: "A cycle that leaves a folder of src/ means two layers depend on each other",
      severity: "error",
      from: { path: "^src/([^/]+)/" },
      to: { circular: true, viaSomeNot: "^src/$1/" },
    },
    {
      name: "not-to-unresolvable",
      comment: "An import that does not resolve to a file",
      severity: "error",
      from: { path: "^src/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "node", "default"] },
  },
};
