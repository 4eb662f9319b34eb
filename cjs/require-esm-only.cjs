// jaxts is an ES module (its wasm backend loads with top-level await, which require() cannot
// wait for). This file is what `require("jaxts")` resolves to, so that the error says what to do
// instead of Node's ERR_PACKAGE_PATH_NOT_EXPORTED.
const err = new Error(
  'jaxts is an ES module only package and cannot be loaded with require(). Use `import { numpy as np, grad } from "jaxts"` ' +
    'in an ES module (a .mjs file, or "type": "module" in package.json), or `const jaxts = await import("jaxts")` from CommonJS.',
);
err.code = "ERR_REQUIRE_ESM";
throw err;
