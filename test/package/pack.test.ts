/**
 * The package as users install it (issue 10, item 9): `npm pack` on a clean checkout (the files
 * git knows, without dist/ or node_modules/) builds dist/ through `prepare` and ships it; the
 * tarball installs into a scratch project offline; a TypeScript 5 consumer with ordinary
 * settings (module NodeNext, target ES2022, strict, no skipLibCheck) type-checks against our
 * .d.ts, also with lib esnext where `Symbol.dispose` is TypeScript's own; the compiled consumer
 * runs under node; and `require("jaxts")` fails with a message that says the package is ESM-only.
 *
 * Offline: the scratch project takes jaxts's runtime dependencies as `file:` links to this
 * repository's node_modules (npm's cache holds their tarballs but not the metadata a version
 * range needs), and TypeScript 5 comes from the `typescript5` devDependency alias.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const tmp = mkdtempSync(join(tmpdir(), "jaxts-pack-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

function ok(cmd: string, args: string[], cwd: string): string {
  const r = run(cmd, args, cwd);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}) in ${cwd}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

// What a user writes: the README's first steps, typed.
const CONSUMER = `
import { numpy as np, grad, jit, vmap, random, tree, scipy, type Array } from "jaxts";

const f = (x: Array): Array => np.sum(np.multiply(np.sin(x), x));
const x = np.array([0.5, 1.0, 2.0]);
const g = jit(grad(f))(x);
const keys = random.split(random.key(0));
const samples = vmap((k: Array) => random.normal(k, [2]))(keys);
const ranks = tree.map((a: Array) => a.ndim, { g, samples });
const erf = scipy.special.erf(np.array(0.5)).item();
console.log(JSON.stringify({ g: g.tolist(), shape: samples.shape, ranks, erf }));
`;
// With lib esnext, `using` disposes an array: our Symbol.dispose declaration must merge with TypeScript's.
const CONSUMER_USING = `
import { numpy as np } from "jaxts";
export function total(): number {
  using x = np.ones([3]);
  return np.sum(x).item() as number;
}
`;
const ordinary = { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", strict: true };

describe("the packed package", () => {
  it("packs from a clean checkout with dist/, installs offline, type-checks under TypeScript 5 and runs", () => {
    // A clean checkout: the files git tracks (and new ones it does not ignore), no dist/.
    const checkout = join(tmp, "checkout");
    const files = ok("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], repo).split("\0").filter((p) => p && existsSync(join(repo, p)));
    for (const p of files) {
      mkdirSync(dirname(join(checkout, p)), { recursive: true });
      cpSync(join(repo, p), join(checkout, p));
    }
    expect(existsSync(join(checkout, "dist"))).toBe(false);
    symlinkSync(join(repo, "node_modules"), join(checkout, "node_modules"), "dir");

    // npm pack runs `prepare`, which builds dist/.
    const packed = JSON.parse(ok("npm", ["pack", "--json", "--pack-destination", tmp], checkout)) as { filename: string; files: { path: string }[] }[];
    const shipped = packed[0]!.files.map((f) => f.path);
    for (const p of ["package.json", "README.md", "dist/src/index.js", "dist/src/index.d.ts", "dist/ir/aval.js", "cjs/require-esm-only.cjs"]) expect(shipped).toContain(p);
    expect(shipped.some((p) => p.startsWith("dist/codegen/"))).toBe(true);
    expect(shipped.some((p) => p.startsWith("test/") || p.startsWith("src/") || p.startsWith("dist/examples/"))).toBe(false);
    const tarball = join(tmp, packed[0]!.filename);

    // A scratch project installs the tarball; jaxts's runtime dependencies come from this repo.
    const consumer = join(tmp, "consumer");
    mkdirSync(consumer);
    const lock = JSON.parse(readFileSync(join(repo, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };
    const runtimeDeps = Object.entries(lock.packages)
      .filter(([k, v]) => k.startsWith("node_modules/") && !v.dev)
      .map(([k]) => k.slice("node_modules/".length));
    const dependencies = Object.fromEntries(runtimeDeps.map((d) => [d, `file:${join(repo, "node_modules", d)}`]));
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module", dependencies }));
    ok("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], consumer);

    // TypeScript 5 with ordinary settings (no skipLibCheck), then with lib esnext and `using`.
    const tsc5 = join(repo, "node_modules", "typescript5", "bin", "tsc");
    expect(JSON.parse(readFileSync(join(repo, "node_modules", "typescript5", "package.json"), "utf8")).version).toMatch(/^5\./);
    writeFileSync(join(consumer, "main.ts"), CONSUMER);
    writeFileSync(join(consumer, "using.ts"), CONSUMER_USING);
    writeFileSync(join(consumer, "tsconfig.json"), JSON.stringify({ compilerOptions: { ...ordinary, outDir: "out" }, files: ["main.ts"] }));
    writeFileSync(
      join(consumer, "tsconfig.esnext.json"),
      JSON.stringify({ compilerOptions: { ...ordinary, lib: ["ESNext", "DOM"], noEmit: true }, files: ["main.ts", "using.ts"] }),
    );
    ok(process.execPath, [tsc5, "-p", "tsconfig.json"], consumer);
    ok(process.execPath, [tsc5, "-p", "tsconfig.esnext.json"], consumer);

    // The compiled consumer runs.
    const out = JSON.parse(ok(process.execPath, [join(consumer, "out", "main.js")], consumer)) as { g: number[]; shape: number[]; ranks: unknown; erf: number };
    const expected = [0.5, 1, 2].map((v) => Math.sin(v) + v * Math.cos(v));
    out.g.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    expect(out.shape).toEqual([2, 2]);
    expect(out.ranks).toEqual({ g: 1, samples: 2 });
    expect(out.erf).toBeCloseTo(0.5204998778, 6);

    // require() says the package is ESM-only and what to write instead.
    const req = run(process.execPath, ["-e", 'require("jaxts")'], consumer);
    expect(req.status).not.toBe(0);
    expect(req.stderr).toContain("jaxts is an ES module only package and cannot be loaded with require()");
    expect(req.stderr).not.toContain("ERR_PACKAGE_PATH_NOT_EXPORTED");
  }, 300_000);
});
