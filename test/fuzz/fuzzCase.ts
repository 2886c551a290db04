/**
 * One fuzz case: one room and one to five stanzas, each a valid shape with zero to three mutations, sent by a
 * fresh user of the gateway in this order. A case prints as the XML it sends, so that a
 * counterexample can be read and turned into a unit test.
 */
import type { Element } from "@xmpp/component";
import fc from "fast-check";
import { parseElement } from "../../src/protocol/parseXml.js";
import { cloneElement } from "../../src/protocol/rfc6120.js";
import { splitJid } from "../../src/protocol/rfc7622.js";
import { DOMAIN } from "../helpers/harness.js";
import { ROOM, USER, hasNonXmlChar } from "./hostile.js";
import { iqStanza, presenceStanza } from "./iqShapes.js";
import { directInvitation, messageStanza } from "./messageShapes.js";
import { type Mutation, applyMutation, mutation } from "./mutations.js";

/** A stanza as the user sends it, and whether a real server could have delivered it. */
export interface BuiltStanza {
  stanza: Element;
  /**
   * False when it holds a character XML forbids, does not parse back, is over
   * {@link MAX_INPUT_BYTES}, or its `from` or `to` has a part over 1023 bytes: no server delivers it.
   */
  deliverable: boolean;
}

/** The largest stanza a server delivers from a client: Prosody's default `c2s_stanza_size_limit`, 256 KiB. */
export const MAX_INPUT_BYTES = 256 * 1024;

/**
 * The rooms a case can attack: `lobby`, a group whose legacy network accepts everything, and
 * `grumpy`, a channel whose legacy network refuses every request (see `fuzzGateway.ts`).
 */
export type FuzzRoom = "lobby" | "grumpy";

/** A generated case. */
export class FuzzCase {
  constructor(
    readonly room: FuzzRoom,
    /** False: the user sends the stanzas before anything else, so that they create the session and the room. */
    readonly joined: boolean,
    readonly stanzas: ReadonlyArray<{ template: Element; mutations: readonly Mutation[] }>,
  ) {}

  /** The stanzas, sent by `user` (a bare JID) to {@link room}, each built afresh. */
  build(user: string): BuiltStanza[] {
    return this.stanzas.map(({ template, mutations }, i) => {
      const stanza = cloneElement(template);
      if (stanza.attrs.id === "q") stanza.attrs.id = `q${i}`;
      for (const m of mutations) applyMutation(stanza, m);
      substitute(stanza, [USER, user], [ROOM, `${this.room}@${DOMAIN}`]);
      const xml = stanza.toString();
      if (hasNonXmlChar(xml)) return { stanza, deliverable: false };
      try {
        const parsed = parseElement(xml);
        return { stanza: parsed, deliverable: Buffer.byteLength(xml) <= MAX_INPUT_BYTES && jidFits(parsed.attrs.from) && jidFits(parsed.attrs.to) };
      } catch {
        return { stanza, deliverable: false };
      }
    });
  }

  [fc.toStringMethod](): string {
    const lines = this.build("user@example.org").map(({ stanza }) => {
      const xml = stanza.toString();
      return xml.length > 2000 ? `${xml.slice(0, 2000)}… (${xml.length} characters)` : xml;
    });
    const mutations = this.stanzas.map((s) => JSON.stringify(s.mutations, (_k, v) => (typeof v === "string" && v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v)));
    return `FuzzCase[${this.room}${this.joined ? ", joined" : ", first stanzas of the user"}\n  ${lines.join("\n  ")}\n  mutations: ${mutations.join(" ")}\n]`;
  }
}

/**
 * False when a part of `jid` is over 1023 bytes, the most RFC 7622 §3 allows (a server refuses to
 * route such a stanza: Prosody bounces it with `jid-malformed`).
 */
function jidFits(jid: string | undefined): boolean {
  const parts = splitJid(jid);
  return parts === undefined || [parts.local, parts.domain, parts.resource].every((part) => Buffer.byteLength(part) <= 1023);
}

/** Replaces the {@link USER} placeholder and the room's JID in every attribute value. */
function substitute(e: Element, ...pairs: Array<[from: string, to: string]>): void {
  for (const [k, v] of Object.entries(e.attrs)) {
    if (typeof v === "string") e.attrs[k] = pairs.reduce((text, [a, b]) => text.replaceAll(a, b), v);
  }
  for (const c of e.children) if (typeof c !== "string") substitute(c, ...pairs);
}

const stanza = fc.oneof(
  { weight: 5, arbitrary: messageStanza },
  { weight: 4, arbitrary: iqStanza },
  { weight: 2, arbitrary: presenceStanza },
  { weight: 1, arbitrary: directInvitation },
);

const mutations = fc.oneof({ weight: 1, arbitrary: fc.constant<Mutation[]>([]) }, { weight: 2, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) });

/**
 * A case: one to five stanzas with their mutations, to the lobby (three in four) or the grumpy
 * channel, by a user who joined it first (five in six) or whose first stanzas they are.
 */
export const fuzzCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(
    fc.constantFrom<FuzzRoom>("lobby", "lobby", "lobby", "grumpy"),
    fc.nat({ max: 5 }).map((n) => n > 0),
    fc.array(fc.record({ template: stanza, mutations }), { minLength: 1, maxLength: 5 }),
  )
  .map(([room, joined, stanzas]) => new FuzzCase(room, joined, stanzas));
