/**
 * The lease hooks around a lease, with the statuses they report and their
 * failure policy: `warn` goes on, `endLease` gives the lease up (or, after
 * it, keeps the exporter from becoming available), `exit` also asks the
 * exporter to exit.
 *
 * @module
 */
import { ExporterStatus } from "../gen/jumpstarter/v1/common_pb.ts";
import type { Logger } from "../log.ts";
import { type Hook, runHook } from "./hooks.ts";

/** Sets and reports the exporter's status (`StatusReport.set` for one controller). */
export type SetStatus = (
  status: ExporterStatus,
  message?: string,
  release?: boolean,
) => Promise<void>;

/** What a hook run needs besides the hook. */
export interface HookRun {
  /** The hook's environment. */
  env: Record<string, string>;
  log: Logger;
  setStatus: SetStatus;
  /** Asks the exporter to exit, with the reason. */
  exit: (reason: string) => void;
}

/** Runs hook `name` under its running status; resolves to its failure, or undefined. */
async function runLeaseHook(
  name: "beforeLease" | "afterLease",
  hook: Hook,
  running: ExporterStatus,
  run: HookRun,
): Promise<string | undefined> {
  await run.setStatus(running);
  const failure = await runHook(hook, run.env, run.log.child(name));
  if (failure) run.log.error(`${name} hook ${failure}`);
  return failure;
}

/**
 * Runs the beforeLease hook, if any; resolves true when the lease may go
 * ahead (no hook, the hook passed, or its failure only warns). Otherwise
 * the lease is given up.
 */
export async function runBeforeLease(hook: Hook | undefined, run: HookRun): Promise<boolean> {
  if (!hook) return true;
  const failure = await runLeaseHook("beforeLease", hook, ExporterStatus.BEFORE_LEASE_HOOK, run);
  if (!failure || hook.onFailure === "warn") return true;
  const reason = `beforeLease hook ${failure}`;
  await run.setStatus(ExporterStatus.BEFORE_LEASE_HOOK_FAILED, reason, true);
  if (hook.onFailure === "exit") run.exit(reason);
  return false;
}

/**
 * Runs the afterLease hook, if any; resolves true when the exporter may
 * reset its drivers and become available again (no hook, the hook passed,
 * or its failure only warns).
 */
export async function runAfterLease(hook: Hook | undefined, run: HookRun): Promise<boolean> {
  if (!hook) return true;
  const failure = await runLeaseHook("afterLease", hook, ExporterStatus.AFTER_LEASE_HOOK, run);
  if (!failure || hook.onFailure === "warn") return true;
  const reason = `afterLease hook ${failure}`;
  await run.setStatus(ExporterStatus.AFTER_LEASE_HOOK_FAILED, reason);
  if (hook.onFailure === "exit") run.exit(reason);
  return false;
}
