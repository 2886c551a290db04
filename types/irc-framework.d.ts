/**
 * Type declarations for `irc-framework` 4.x, which ships none. Only the members the IRC
 * example (`examples/irc`) and its tests use are declared.
 */
declare module "irc-framework" {
  import type { EventEmitter } from "node:events";

  /** Options of {@link Client.connect}. */
  export interface ConnectOptions {
    host: string;
    port: number;
    nick: string;
    username?: string;
    gecos?: string;
    password?: string;
    tls?: boolean;
    rejectUnauthorized?: boolean;
    auto_reconnect?: boolean;
  }

  /** A channel member as a NAMES reply lists it; `modes` are the prefixes' modes (`o`, `v`). */
  export interface NamesMember {
    nick: string;
    modes: string[];
  }

  /** The payloads of the events the example listens to. */
  export interface ClientEvents {
    registered: { nick: string };
    join: { nick: string; channel: string };
    part: { nick: string; channel: string; message: string };
    quit: { nick: string; message: string };
    kick: { nick: string; kicked: string; channel: string; message: string };
    nick: { nick: string; new_nick: string };
    privmsg: { nick: string; target: string; message: string };
    notice: { nick: string; target: string; message: string; from_server: boolean };
    action: { nick: string; target: string; message: string };
    topic: { channel: string; topic: string; nick?: string };
    topicsetby: { channel: string; nick: string; when: string };
    userlist: { channel: string; users: NamesMember[] };
    mode: { target: string; nick: string; modes: { mode: string; param?: string }[] };
    "irc error": { error: string; channel?: string; reason?: string };
    close: unknown;
    "socket close": unknown;
  }

  /** An IRC connection. */
  export class Client extends EventEmitter {
    constructor(options?: { auto_reconnect?: boolean });
    user: { nick: string };
    connect(options: ConnectOptions): void;
    on<K extends keyof ClientEvents>(event: K, listener: (event: ClientEvents[K]) => void): this;
    once<K extends keyof ClientEvents>(event: K, listener: (event: ClientEvents[K]) => void): this;
    off<K extends keyof ClientEvents>(event: K, listener: (event: ClientEvents[K]) => void): this;
    raw(...args: string[]): void;
    join(channel: string, key?: string): void;
    part(channel: string, message?: string): void;
    say(target: string, message: string): void;
    notice(target: string, message: string): void;
    action(target: string, message: string): void;
    setTopic(channel: string, topic: string): void;
    quit(message?: string): void;
    caseLower(text: string): string;
  }

  const irc: { Client: typeof Client };
  export default irc;
}
