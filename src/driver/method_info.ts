/**
 * What the exporter knows of an exported driver method: how it is called
 * (`MethodKind`), the types of its arguments (`ParamType`) and the options
 * it was exported with.
 *
 * @module
 */

/** How a method is called over the wire. */
export type MethodKind = "unary" | "streaming" | "stream";

/** A type name for one positional argument; a trailing `?` makes it optional. */
export type ParamType =
  | "string"
  | "number"
  | "boolean"
  | "object"
  | "array"
  | "any"
  | "string?"
  | "number?"
  | "boolean?"
  | "object?"
  | "array?"
  | "any?";

/** Options for an exported method. */
export interface ExportOptions {
  /** One line shown in GetReport's method descriptions and CLI help. */
  description?: string;
  /**
   * Argument types, checked before the method runs (a mismatch is INVALID_ARGUMENT).
   * Without it only the count is checked, against the method's declared parameters.
   */
  params?: ParamType[];
}

/** What the exporter knows of an exported method. */
export interface MethodInfo extends ExportOptions {
  name: string;
  kind: MethodKind;
}
