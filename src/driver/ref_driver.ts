/**
 * `RefDriver`: a second name for another driver in the same tree.
 *
 * @module
 */
import { Driver } from "./driver.ts";
import type { MethodInfo } from "./method_info.ts";

/** A second name for another driver in the same tree (`{ref: power}` in a config). */
export class RefDriver extends Driver {
  #target?: Driver;

  /** The driver this name points at. */
  get target(): Driver {
    if (!this.#target) throw new Error(`Reference ${this.context.path} was never resolved`);
    return this.#target;
  }
  set target(driver: Driver) {
    this.#target = driver;
  }
  override methods(): Map<string, MethodInfo> {
    return this.target.methods();
  }
  override clientLabel(): string {
    return this.target.clientLabel();
  }
}
