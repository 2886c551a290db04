/**
 * Elements whose XML text is known when they are made: Extensible Markup Language (XML) 1.0
 * §3.1 (start-tags, end-tags, empty-element tags), as `xml()` writes them.
 * https://www.w3.org/TR/xml/#sec-starttags
 *
 * The outbox serializes every stanza it writes. A stanza that differs from an earlier one only
 * in its `to` (an occupant's presence in every join sequence of the room) can be made from a
 * {@link SerializedTemplate}: its text is the template's, with `to` put in, and no element tree
 * is built for it. It is still a whole `xml()` element: its children are parsed from the text the
 * first time anything reads them. Its attributes are frozen, so the text cannot fall behind them.
 */
import { type Element, xml } from "@xmpp/component";
import { parseElement } from "./parseXml.js";

/** Text of a template's `to` before it is filled in: an attribute no stanza of ours has empty. */
const EMPTY_TO = ' to=""';

/** An element made from a template's text; see the module comment. */
export class SerializedElement extends xml.Element {
  /** The XML text; undefined once the children were parsed (the tree then is the element). */
  declare private _text: string | undefined;
  declare private _children: Array<Element | string> | undefined;

  /** `text` must be what `xml(name, attrs, …children)` writes; {@link SerializedTemplate.make} guarantees it. */
  constructor(name: string, attrs: Record<string, string>, text: string) {
    super(name, attrs);
    this._text = text;
    this._children = undefined;
    Object.freeze(this.attrs);
  }

  override toString(): string {
    return this._text ?? super.toString();
  }

  /** ltx's serializer entry point (used when the element is a child of another). */
  write(writer: (chunk: string) => void): void {
    if (this._text !== undefined) writer(this._text);
    else (xml.Element.prototype as unknown as { write(w: (chunk: string) => void): void }).write.call(this, writer);
  }
}

// ltx's constructor assigns `children`; an accessor on the prototype takes it, so that the
// children are parsed only when read. After that the element is an ordinary tree.
Object.defineProperty(SerializedElement.prototype, "children", {
  get(this: { _text: string | undefined; _children: Array<Element | string> | undefined }) {
    if (this._children === undefined) {
      const parsed = parseElement(this._text as string);
      for (const child of parsed.children) if (typeof child !== "string") child.parent = this as unknown as Element;
      this._children = parsed.children;
      this._text = undefined;
    }
    return this._children;
  },
  set(this: { _children: Array<Element | string> | undefined }, children: Array<Element | string>) {
    this._children = children;
  },
});

/**
 * An element serialized once, without its `to`, from which copies to any address are made.
 *
 * @example
 * ```ts
 * const template = new SerializedTemplate(xml("presence", { from: "room@muc.example.org/bob", to: "" }, xml("x", { xmlns: NS.MUC_USER })));
 * const escapedTo = xml.escapeXML("alice@example.org/phone");
 * outbox.send(template.make("alice@example.org/phone", escapedTo));
 * ```
 */
export class SerializedTemplate {
  readonly #name: string;
  readonly #attrs: Record<string, string>;
  /** The element's text with `to=""`, and where the value of `to` goes in it. */
  readonly #text: string;
  readonly #at: number;

  /**
   * `element` must have `to=""` and may have other attributes; its children are kept as text.
   * Or the parts of one, to skip building it: see {@link serializeParts}.
   */
  constructor(element: Element | ElementParts) {
    if (element.attrs.to !== "") throw new TypeError('SerializedTemplate: the element needs to="" (filled in by make)');
    this.#text = element instanceof xml.Element ? element.toString() : serializeParts(element);
    // Attribute values are escaped, so `"` never appears inside one: the first ` to=""` is the attribute.
    this.#at = this.#text.indexOf(EMPTY_TO) + EMPTY_TO.length - 1;
    this.#name = element.name;
    // A copy: xml() leaves the attributes of an element in a dictionary (it deletes the undefined ones), several times the size.
    this.#attrs = { ...(element.attrs as Record<string, string>) };
  }

  /** A copy addressed to `to`; `escapedTo` is `xml.escapeXML(to)`, computed once for many copies. */
  make(to: string, escapedTo: string): Element {
    return new SerializedElement(this.#name, { ...this.#attrs, to }, this.text(escapedTo));
  }

  /** The text of {@link make}'s copy to the address `escapedTo` (escaped), without the element: what an archive stores. */
  text(escapedTo: string): string {
    return this.#text.slice(0, this.#at) + escapedTo + this.#text.slice(this.#at);
  }
}

/** An element to serialize without building it: its name, its attributes, its children, and children already serialized. */
export interface ElementParts {
  name: string;
  attrs: Record<string, string | undefined>;
  /** Children as `xml()` takes them; they are serialized, not copied or re-parented. */
  children: ReadonlyArray<Element | string>;
  /** Text appended after `children` (serialized elements). */
  trailing?: string;
}

/**
 * Exactly what `xml(name, attrs, ...children, ...trailing elements).toString()` writes, without
 * building that element: no copy of the children (an echo built by cloning the user's message
 * cost ~1.6 KB of garbage a message), and their `parent` stays theirs. Attributes in their
 * order, `undefined` ones left out, values escaped as ltx escapes them; text children escaped.
 */
export function serializeParts(parts: ElementParts): string {
  let text = `<${parts.name}`;
  for (const key in parts.attrs) {
    const value = parts.attrs[key];
    if (value != null) text += ` ${key}="${xml.escapeXML(value)}"`;
  }
  let inner = "";
  for (const child of parts.children) {
    if (child == null) continue;
    inner += typeof child === "string" ? xml.escapeXMLText(child) : child.toString();
  }
  const trailing = parts.trailing ?? "";
  if (parts.children.length === 0 && trailing === "") return `${text}/>`;
  return `${text}>${inner}${trailing}</${parts.name}>`;
}
