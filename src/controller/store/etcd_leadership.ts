/**
 * Leader election on etcd (etcd's election recipe: the oldest live
 * candidate key wins), with candidates that campaign again after a failed
 * campaign. Made by `EtcdKv.campaign()`.
 *
 * @module
 */
// @ts-types="./_etcd3.d.ts"
import type { Campaign, Namespace } from "etcd3";

/** A candidacy in a leader election. */
export interface Leadership {
  readonly electionName: string;
  readonly replicaId: string;
  /** True while this candidate leads. */
  readonly isLeader: boolean;
  /** Called with `true` when elected and `false` when leadership is lost or resigned. */
  onChange(listener: (isLeader: boolean) => void): () => void;
  /** The replica id of the current leader (any candidate's view), if any. */
  leader(): Promise<string | undefined>;
  /** Withdraws: a leader steps down at once and another candidate is elected. */
  resign(): Promise<void>;
}

/** What a candidacy needs from the store that made it. */
export interface CampaignHooks {
  bounded<T>(action: string, op: () => Promise<T>): Promise<T>;
  forget(): void;
}

/** A candidacy kept until it resigns. */
export class EtcdLeadership implements Leadership {
  readonly #listeners = new Set<(isLeader: boolean) => void>();
  readonly #election;
  readonly #hooks: CampaignHooks;
  #campaign?: Campaign;
  #isLeader = false;
  #resigned = false;
  #retry?: ReturnType<typeof setTimeout>;

  constructor(
    root: Namespace,
    readonly electionName: string,
    readonly replicaId: string,
    ttlSeconds: number,
    hooks: CampaignHooks,
  ) {
    this.#hooks = hooks;
    this.#election = root.election(electionName, ttlSeconds);
    this.#start();
  }

  get isLeader(): boolean {
    return this.#isLeader;
  }

  #set(isLeader: boolean): void {
    if (this.#isLeader === isLeader) return;
    this.#isLeader = isLeader;
    for (const listener of this.#listeners) listener(isLeader);
  }

  #start(): void {
    this.#retry = undefined;
    if (this.#resigned) return;
    const campaign = this.#election.campaign(this.replicaId);
    this.#campaign = campaign;
    campaign.on("elected", () => {
      if (this.#campaign === campaign && !this.#resigned) this.#set(true);
    });
    campaign.on("error", () => {
      if (this.#campaign !== campaign) return;
      this.#campaign = undefined;
      this.#set(false);
      void campaign.resign().catch(() => {});
      if (!this.#resigned) this.#retry = setTimeout(() => this.#start(), 1000);
    });
  }

  onChange(listener: (isLeader: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  leader(): Promise<string | undefined> {
    return this.#hooks.bounded("read the election leader", () => this.#election.leader());
  }

  async resign(): Promise<void> {
    if (this.#resigned) return;
    this.#resigned = true;
    this.#hooks.forget();
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    const campaign = this.#campaign;
    this.#campaign = undefined;
    this.#set(false);
    if (campaign) await this.#hooks.bounded("resign from an election", () => campaign.resign());
  }
}
