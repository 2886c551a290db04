/** Module resolution hook of useDist.mjs: src/*.ts → dist/*.js. */
const SRC = new URL("../src/", import.meta.url).href;
const DIST = new URL("../dist/", import.meta.url).href;

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (!resolved.url.startsWith(SRC)) return resolved;
  return { url: DIST + resolved.url.slice(SRC.length).replace(/\.ts$/, ".js"), format: "module", shortCircuit: true };
}
