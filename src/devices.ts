/** The public device API: `devices()`, `defaultDevice(name)`, `devicePut(x, name)`. */
import { type DeviceName, defaultDevice, devices, getBackend } from "./backends/index.js";
import { ConcreteArray, type JArray } from "./core/array.js";
import { asJArray } from "./core/convert.js";
import { moveTo } from "./core/interpreter.js";

export { defaultDevice, devices };
export type { DeviceName };

/** `x` on device `name` (the default device when omitted); tracers pass through unchanged. */
export function devicePut(x: JArray | number | boolean, name?: DeviceName): JArray {
  const a = asJArray(x, "devicePut");
  const target = name ?? defaultDevice();
  getBackend(target);
  return a instanceof ConcreteArray ? moveTo(a, target) : a;
}
