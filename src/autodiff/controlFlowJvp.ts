/**
 * jvp rules of the control-flow primitives (cond, while, scan): each transforms its
 * sub-jaxprs with jvpJaxpr, never retracing user code.
 */
import type { JvpRule } from "./jvpRules.js";

const todo = (name: string) => () => {
  throw new Error(`jvp of ${name} is not implemented yet`);
};

export const condJvp: JvpRule<"cond"> = todo("cond");
export const whileJvp: JvpRule<"while"> = todo("while");
export const scanJvp: JvpRule<"scan"> = todo("scan");
