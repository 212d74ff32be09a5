/**
 * Failover between controller replicas: a call goes to the replica that
 * answered last and moves on to the next when that one cannot be reached
 * (not when it refuses); a stream is not replayed, but the next one goes to
 * the next replica.
 *
 * @module
 */
import { Code, ConnectError, type Transport } from "@connectrpc/connect";

/** One replica's transport and the connection it owns. */
export interface ReplicaTransport {
  transport: Transport;
  close(): void;
}

/** True when a call failed because the replica could not be reached (not because it refused). */
function unreachable(error: unknown): boolean {
  if (!(error instanceof ConnectError)) return false;
  if (error.code === Code.Unavailable) return true;
  return [Code.Unknown, Code.Internal, Code.Canceled, Code.Aborted].includes(error.code) &&
    /ECONNREFUSED|ECONNRESET|EPIPE|ended by the other party|socket|stream closed|GOAWAY|session/i
      .test(error.rawMessage);
}

/** Tries each replica's transport in turn, staying with the first that answers. */
export function failoverTransport(
  members: ReplicaTransport[],
): ReplicaTransport & { rotate(): void } {
  let current = 0;
  const transport: Transport = {
    async unary(method, signal, timeoutMs, header, input, contextValues) {
      let lastError: unknown;
      for (let tried = 0; tried < members.length; tried++) {
        const index = (current + tried) % members.length;
        try {
          const response = await members[index].transport.unary(
            method,
            signal,
            timeoutMs,
            header,
            input,
            contextValues,
          );
          current = index;
          return response;
        } catch (error) {
          if (signal?.aborted || !unreachable(error)) throw error;
          lastError = error;
        }
      }
      throw lastError;
    },
    async stream(method, signal, timeoutMs, header, input, contextValues) {
      const index = current;
      try {
        return await members[index].transport.stream(
          method,
          signal,
          timeoutMs,
          header,
          input,
          contextValues,
        );
      } catch (error) {
        // Streams are not replayed; the next attempt by the caller goes to the next replica.
        if (unreachable(error)) current = (index + 1) % members.length;
        throw error;
      }
    },
  };
  return {
    transport,
    close: () => {
      for (const member of members) member.close();
    },
    rotate: () => {
      current = (current + 1) % members.length;
    },
  };
}
