/**
 * What the router takes from the controller: the claims of a verified
 * stream token (which side of which lease's stream it opens), and whether a
 * lease is still active.
 *
 * @module
 */

/** Claims of a verified stream token: which side of which lease's stream it opens. */
export interface StreamClaims {
  streamId: string;
  jti: string;
  lease: string;
  namespace: string;
  side: "client" | "exporter";
  expiresAt: number;
}

/** What the router needs from the controller. */
export interface RouterAuthority {
  verifyStreamToken(token: string): Promise<StreamClaims>;
  /** True while streams of this lease may run. */
  leaseActive(namespace: string, lease: string): boolean;
}
