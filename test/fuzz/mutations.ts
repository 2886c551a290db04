/**
 * Structure-aware mutations of a valid stanza: a child dropped, duplicated, moved to the top,
 * renamed or put in another namespace; an attribute set to a hostile value or removed; text
 * replaced; an unknown element inserted; children buried under deep nesting. A mutation is plain
 * data (which element, by its index in document order, and what to do), so that fast-check can
 * shrink it and print it.
 */
import { type Element, xml } from "@xmpp/component";
import fc from "fast-check";
import { hostileString } from "./hostile.js";
import { NAMESPACE_POOL } from "./namespaces.js";

/** One change to a stanza's tree; `at` picks an element (modulo their number, root first). */
export type Mutation =
  | { op: "drop" | "duplicate" | "hoist"; at: number }
  | { op: "namespace"; at: number; ns: string | undefined }
  | { op: "rename"; at: number; name: string }
  | { op: "attr"; at: number; name: string; value: string }
  | { op: "unattr"; at: number; index: number }
  | { op: "text"; at: number; value: string }
  | { op: "insert"; at: number; name: string; ns: string | undefined; value: string }
  | { op: "nest"; at: number; depth: number };

const ELEMENT_NAMES = ["body", "subject", "x", "item", "query", "field", "value", "reaction", "reactions", "replace", "retract", "apply-to", "fallback", "reference", "file", "url", "desc", "history", "error", "thread", "html", "invite", "destroy", "set", "max", "remove", "Body", "unknown-element", "a.b-c_d"];
const ATTRIBUTE_NAMES = ["id", "to", "from", "type", "xmlns", "jid", "nick", "affiliation", "role", "var", "begin", "end", "start", "for", "uri", "target", "node", "queryid", "code", "by", "reason", "xml:lang"];

const at = fc.nat({ max: 64 });
const name = fc.constantFrom(...ELEMENT_NAMES);
const ns = fc.option(fc.constantFrom(...NAMESPACE_POOL), { nil: undefined });

/** Any one mutation. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom("drop", "duplicate", "hoist"), at }),
  fc.record({ op: fc.constant("namespace"), at, ns }),
  fc.record({ op: fc.constant("rename"), at, name }),
  { weight: 3, arbitrary: fc.record({ op: fc.constant("attr"), at, name: fc.constantFrom(...ATTRIBUTE_NAMES), value: hostileString }) },
  fc.record({ op: fc.constant("unattr"), at, index: fc.nat({ max: 8 }) }),
  { weight: 2, arbitrary: fc.record({ op: fc.constant("text"), at, value: hostileString }) },
  fc.record({ op: fc.constant("insert"), at, name, ns, value: hostileString }),
  fc.record({ op: fc.constant("nest"), at, depth: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 100, max: 200 }), fc.integer({ min: 1000, max: 1500 })) }),
);

/** The elements of a tree in document order, root first. */
function elements(root: Element): Element[] {
  const all: Element[] = [];
  const walk = (e: Element) => {
    all.push(e);
    for (const c of e.children) if (typeof c !== "string") walk(c);
  };
  walk(root);
  return all;
}

function detach(e: Element): void {
  const parent = e.parent as Element | null;
  if (parent) parent.children.splice(parent.children.indexOf(e), 1);
}

/** Applies `m` to the tree of `root` in place (the root itself is never dropped). */
export function applyMutation(root: Element, m: Mutation): void {
  const all = elements(root);
  const target = all[m.at % all.length]!;
  const parent = target.parent as Element | null;
  switch (m.op) {
    case "drop":
      if (target !== root) detach(target);
      return;
    case "duplicate":
      if (parent && target !== root) parent.children.splice(parent.children.indexOf(target), 0, copy(target, parent));
      return;
    case "hoist":
      if (parent && parent !== root && target !== root) {
        detach(target);
        root.append(target);
      }
      return;
    case "namespace":
      if (m.ns === undefined) delete target.attrs.xmlns;
      else target.attrs.xmlns = m.ns;
      return;
    case "rename":
      target.name = m.name;
      return;
    case "attr":
      target.attrs[m.name] = m.value;
      return;
    case "unattr": {
      const keys = Object.keys(target.attrs);
      if (keys.length) delete target.attrs[keys[m.index % keys.length]!];
      return;
    }
    case "text":
      target.children = [...target.children.filter((c) => typeof c !== "string"), m.value];
      return;
    case "insert":
      target.append(xml(m.name, { xmlns: m.ns }, m.value));
      return;
    case "nest": {
      const depth = Math.min(m.depth, MAX_DEPTH - depthOf(root));
      if (depth < 1) return;
      let inner = xml("x", {}, ...target.children.map((c) => (typeof c === "string" ? c : copy(c, null))));
      for (let i = 1; i < depth; i++) inner = xml("x", {}, inner);
      target.children = [];
      target.append(inner);
      return;
    }
  }
}

/**
 * The deepest tree a case builds. ltx serializes recursively (about three frames a level), so a
 * tree much deeper than this overflows the test's own stack before it reaches the gateway;
 * `test/unit/deepNesting.test.ts` sends deeper ones on purpose.
 */
const MAX_DEPTH = 1500;

function depthOf(e: Element): number {
  let deepest = 0;
  for (const c of e.children) if (typeof c !== "string") deepest = Math.max(deepest, depthOf(c));
  return deepest + 1;
}

function copy(e: Element, parent: Element | null): Element {
  const c = xml(e.name, { ...e.attrs }, ...e.children.map((x) => (typeof x === "string" ? x : copy(x, null))));
  c.parent = parent;
  return c;
}
