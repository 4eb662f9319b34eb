/** The wasm kernel of a factor step (codegen/kernel/factor.ts), by primitive. */
import type { FactorPrimitive, FactorStep } from "../../kernel/factor.js";
import type { BufferDecl } from "../../kernel/kernel.js";
import type { Fn } from "../wat.js";
import { renderCholesky } from "./cholesky.js";
import { renderEigh } from "./eigh.js";
import { renderLu } from "./lu.js";
import { renderQr } from "./qr.js";
import { renderSvd } from "./svd.js";
import { renderTriangularSolve } from "./triangularSolve.js";

const renderers: { [P in FactorPrimitive]: (s: FactorStep & { primitive: P }, buffers: readonly BufferDecl[]) => Fn } = {
  cholesky: renderCholesky,
  triangularSolve: renderTriangularSolve,
  lu: renderLu,
  qr: renderQr,
  geqrf: renderQr,
  householderProduct: renderQr,
  eigh: renderEigh,
  svd: renderSvd,
};

export const renderFactorStep = (s: FactorStep, buffers: readonly BufferDecl[]): Fn => (renderers[s.primitive] as (s: FactorStep, b: readonly BufferDecl[]) => Fn)(s, buffers);
