/**
 * The leader's timers: one per open lease, due when its duration is over
 * (expire it) or when its requested begin time comes (schedule it).
 *
 * @module
 */
import { type LeaseRecord, plannedEnd } from "./model.ts";
import { qualified } from "./records.ts";

/** What a due timer acts on. */
export interface TimerHooks {
  /** False when timers must not run (closed, or not the leader). */
  running(): boolean;
  /** The current record of a lease by `namespace/name`. */
  current(leaseKey: string): LeaseRecord | undefined;
  /** Ends a lease whose duration is over. */
  expire(lease: LeaseRecord): void;
  /** Runs the scheduler (a begin time came). */
  due(): void;
}

/** Timers by lease. */
export class LeaseTimers {
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(readonly hooks: TimerHooks) {}

  /** (Re-)arms the timer of a lease for its planned end, or its begin time if pending. */
  arm(lease: LeaseRecord): void {
    this.clear(lease);
    if (lease.ended || !this.hooks.running()) return;
    const k = qualified(lease.namespace, lease.name);
    const end = plannedEnd(lease);
    const at = end ?? (lease.beginTime ? Date.parse(lease.beginTime) : undefined);
    if (at === undefined) return;
    const wait = Math.max(0, Math.min(at - Date.now(), 2 ** 31 - 1));
    this.#timers.set(
      k,
      setTimeout(() => {
        this.#timers.delete(k);
        const current = this.hooks.current(k);
        if (!current || current.ended) return;
        const currentEnd = plannedEnd(current);
        if (currentEnd !== undefined && Date.now() >= currentEnd) this.hooks.expire(current);
        else if (currentEnd !== undefined) this.arm(current);
        else this.hooks.due();
      }, wait),
    );
  }

  clear(lease: LeaseRecord): void {
    const k = qualified(lease.namespace, lease.name);
    const timer = this.#timers.get(k);
    if (timer !== undefined) clearTimeout(timer);
    this.#timers.delete(k);
  }

  clearAll(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
