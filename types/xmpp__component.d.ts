/**
 * Type declarations for `@xmpp/component` 0.13.1, which ships none.
 * Only the members mucstate uses are declared.
 */
declare module "@xmpp/component" {
  import type { EventEmitter } from "node:events";
  import type { Socket } from "node:net";

  /** An ltx element as built by `xml()` and parsed from the stream. */
  export interface Element {
    name: string;
    attrs: Record<string, string | undefined>;
    children: Array<Element | string>;
    parent: Element | null;
    is(name: string, xmlns?: string): boolean;
    getNS(): string | undefined;
    getName(): string;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildByAttr(attr: string, value: string, xmlns?: string, recursive?: boolean): Element | undefined;
    getChildElements(): Element[];
    getChildText(name: string, xmlns?: string): string | null;
    getText(): string;
    text(): string;
    attr(name: string): string | undefined;
    append(...children: Array<Element | string>): Element;
    c(name: string, attrs?: Record<string, string>): Element;
    t(text: string): Element;
    up(): Element;
    clone(): Element;
    remove(el: Element | string, xmlns?: string): Element;
    toString(): string;
  }

  /** Attribute values accepted by `xml()`; null and undefined are dropped. */
  export type XmlAttrs = Record<string, string | number | null | undefined>;
  /** Children accepted by `xml()`; null, undefined, booleans and "" are dropped. */
  export type XmlChild = Element | string | null | undefined | boolean | XmlChild[];

  /** Builds an element. */
  export function xml(name: string, attrs?: XmlAttrs | string | null, ...children: XmlChild[]): Element;
  export namespace xml {
    const Element: { new (name: string, attrs?: Record<string, string>): Element };
    class Parser extends EventEmitter {
      write(data: string): void;
      end(data?: string): void;
    }
    function escapeXML(s: string): string;
    function escapeXMLText(s: string): string;
  }

  /** A parsed JID. */
  export interface JID {
    local: string;
    domain: string;
    resource: string;
    bare(): JID;
    toString(): string;
    equals(other: JID): boolean;
  }
  export function jid(address: string): JID;
  export function jid(local: string | null, domain: string, resource?: string | null): JID;

  /** The component connection status. */
  export type Status =
    | "offline"
    | "connecting"
    | "connect"
    | "opening"
    | "open"
    | "online"
    | "closing"
    | "close"
    | "disconnecting"
    | "disconnect";

  /** The XEP-0114 component entity. */
  export interface Component extends EventEmitter {
    status: Status;
    socket: (Socket & { writableLength: number }) | null;
    jid: JID | null;
    timeout: number;
    start(): Promise<JID>;
    stop(): Promise<void>;
    send(el: Element): Promise<void>;
    /** Writes raw serialized XML to the stream; rejects while the stream is closing. */
    write(data: string): Promise<void>;
    reconnect: { stop(): void; delay: number };
  }

  export interface ComponentOptions {
    service: string;
    domain: string;
    password: string;
  }

  export function component(options: ComponentOptions): Component;
}
