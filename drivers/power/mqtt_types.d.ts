// The part of npm `mqtt`'s API this project uses. Its own declarations pull
// in `@types/node` (through `@types/ws`), which replaces Deno's Node types
// for the whole type-check and breaks unrelated modules; this file stands in.

export interface PublishOptions {
  qos?: 0 | 1 | 2;
  retain?: boolean;
}

export interface MqttClient {
  readonly connected: boolean;
  on(event: "message", listener: (topic: string, payload: Uint8Array) => void): this;
  on(event: "error", listener: (error: Error) => void): this;
  once(event: "connect", listener: () => void): this;
  once(event: "error", listener: (error: Error) => void): this;
  once(event: "close", listener: () => void): this;
  subscribeAsync(topic: string, options?: { qos?: 0 | 1 | 2 }): Promise<unknown>;
  publish(topic: string, payload: string): this;
  publishAsync(topic: string, payload: string, options?: PublishOptions): Promise<unknown>;
  end(force?: boolean): this;
  endAsync(force?: boolean): Promise<void>;
}

export interface ConnectOptions {
  clientId?: string;
  username?: string;
  password?: string;
  /** Milliseconds. */
  connectTimeout?: number;
  /** Milliseconds; 0 disables reconnecting. */
  reconnectPeriod?: number;
}

export function connect(url: string, options?: ConnectOptions): MqttClient;
export function connectAsync(url: string, options?: ConnectOptions): Promise<MqttClient>;

declare const mqtt: {
  connect: typeof connect;
  connectAsync: typeof connectAsync;
};
export default mqtt;
