/**
 * The part of `npm:etcd3`'s API that the etcd store (`etcd_*.ts`) uses,
 * declared here instead of taken from the package: etcd3's own declarations
 * reference `@types/node` (`/// <reference types="node" />`, via protobufjs
 * and grpc-js), which would replace Deno's built-in Node types for the whole
 * program and break type checks elsewhere (e.g. `node:http2` response
 * unions, `node:assert` message overloads). Runtime behaviour is etcd3
 * 1.1.2's.
 */
import type { Buffer } from "node:buffer";

export interface IResponseHeader {
  cluster_id: string;
  member_id: string;
  revision: string;
  raft_term: string;
}

export interface IKeyValue {
  key: Buffer;
  create_revision: string;
  mod_revision: string;
  version: string;
  value: Buffer;
  lease: string;
}

export interface IRangeRequest {
  key?: Buffer;
  range_end?: Buffer;
  limit?: number | string;
  revision?: number | string;
}

export interface IRangeResponse {
  header: IResponseHeader;
  kvs: IKeyValue[];
  more: boolean;
  count: string;
}

export declare enum CompareResult {
  Equal = 0,
  Greater = 1,
  Less = 2,
  NotEqual = 3,
}

export declare enum CompareTarget {
  Version = 0,
  Create = 1,
  Mod = 2,
  Value = 3,
  Lease = 4,
}

export interface ICompare {
  result?: CompareResult;
  target?: CompareTarget;
  key?: Buffer;
  create_revision?: string | number;
  mod_revision?: string | number;
}

export interface IRequestOp {
  request_put?: { key?: Buffer; value?: Buffer; lease?: string | number };
  request_delete_range?: { key?: Buffer; range_end?: Buffer };
}

export interface ITxnRequest {
  compare?: ICompare[];
  success?: IRequestOp[];
  failure?: IRequestOp[];
}

export interface ITxnResponse {
  header: IResponseHeader;
  succeeded: boolean;
}

export declare class KVClient {
  range(req: IRangeRequest): Promise<IRangeResponse>;
  txn(req: ITxnRequest): Promise<ITxnResponse>;
}

export declare class Watcher {
  on(event: "data", handler: (res: { header: IResponseHeader }) => void): this;
  on(event: "put" | "delete", handler: (kv: IKeyValue) => void): this;
  on(event: "connected", handler: () => void): this;
  on(event: "disconnected" | "error", handler: (error: Error) => void): this;
  cancel(): Promise<void>;
}

export declare class WatchBuilder {
  prefix(value: string | Buffer): this;
  startRevision(revision: string): this;
  watcher(): Watcher;
}

export declare class Lease {
  grant(): Promise<string>;
  revoke(): Promise<void>;
  /** Stops renewing without revoking: the lease expires after its TTL. */
  release(): void;
  keepaliveOnce(): Promise<unknown>;
  revoked(): boolean;
  on(event: "lost", handler: (error: Error) => void): this;
}

export declare class Campaign {
  on(event: "elected", handler: () => void): this;
  on(event: "error", handler: (error: Error) => void): this;
  resign(): Promise<void>;
}

export declare class Election {
  campaign(value: string): Campaign;
  leader(): Promise<string | undefined>;
}

export declare class Namespace {
  readonly kv: KVClient;
  watch(): WatchBuilder;
  lease(ttl: number): Lease;
  namespace(prefix: string): Namespace;
  election(name: string, ttl?: number): Election;
}

/** A cockatiel policy; etcd3 only calls `execute`. */
export interface IPolicy {
  execute<T>(fn: (context: { signal: AbortSignal }) => Promise<T>): Promise<T>;
}

/** A cockatiel backoff; etcd3's watch manager reads `duration` and calls `next()`. */
export interface IBackoff {
  readonly duration: number;
  next(context?: unknown): IBackoff | undefined;
}

export interface IOptions {
  hosts: string[] | string;
  credentials?: { rootCertificate: Buffer; privateKey?: Buffer; certChain?: Buffer };
  auth?: { username: string; password: string };
  dialTimeout?: number;
  defaultCallOptions?: (context: {
    service: string;
    method: string;
    isStream: boolean;
  }) => { deadline?: number };
  grpcOptions?: Record<string, string | number>;
  faultHandling?: {
    host?: (host: string) => IPolicy;
    global?: IPolicy;
    watchBackoff?: IBackoff;
  };
}

export declare class Etcd3 extends Namespace {
  constructor(options: IOptions);
  close(): void;
}

export declare function isRecoverableError(error: Error): boolean;
