// The test suite with every compiled module assembled by both the fast assembler and wabt and compared (test/setup/assemblerCheck.ts).
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

export default mergeConfig(base, defineConfig({ test: { setupFiles: ["test/setup/assemblerCheck.ts"] } }));
