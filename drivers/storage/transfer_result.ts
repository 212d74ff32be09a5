/**
 * What a write to or a read from a storage target reports: the bytes moved
 * and their SHA-256.
 *
 * @module
 */

/** What a write or a read reports: bytes moved and their SHA-256. */
export interface TransferResult {
  size: number;
  sha256: string;
}
