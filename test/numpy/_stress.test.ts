import fc from "fast-check";
fc.configureGlobal({ numRuns: 3000 });
await import("./indexing.test.js");
await import("./shapes.test.js");
