/**
 * XEP-0444: Message Reactions, version 0.2 (with the restrictions form of §5.2)
 * https://xmpp.org/extensions/xep-0444.html
 */
import { type Element, xml } from "@xmpp/component";
import { dataForm, type FormField } from "./xep0004.js";

/** The reactions namespace. */
export const NS_REACTIONS = "urn:xmpp:reactions:0";

/** Reactions to one message: its id and the emojis (an empty list removes the user's reactions). */
export interface Reactions {
  id: string;
  emojis: string[];
}

/** Reads `<reactions id><reaction/>…</reactions>`; throws a TypeError when it is malformed. */
export function parseReactions(message: Element): Reactions | undefined {
  const reactions = message.getChild("reactions", NS_REACTIONS);
  if (!reactions) return undefined;
  const id = reactions.attrs.id;
  if (!id) throw new TypeError("A reactions element needs the id of the message it reacts to");
  const emojis = reactions.getChildren("reaction").map((r) => r.getText().trim());
  if (emojis.some((e) => e === "")) throw new TypeError("A reaction cannot be empty");
  return { id, emojis: [...new Set(emojis)] };
}

/** Builds `<reactions id><reaction/>…</reactions>`. */
export function reactionsElement(reactions: Reactions): Element {
  return xml("reactions", { xmlns: NS_REACTIONS, id: reactions.id }, ...reactions.emojis.map((e) => xml("reaction", {}, e)));
}

/** The restrictions form for disco#info (XEP-0444 §5.2), or undefined when nothing is restricted. */
export function restrictionsForm(allowlist: ReadonlySet<string> | "any", maxPerUser?: number): Element | undefined {
  if (allowlist === "any" && maxPerUser === undefined) return undefined;
  const fields: FormField[] = [];
  if (maxPerUser !== undefined) fields.push({ var: "max_reactions_per_user", values: [String(maxPerUser)] });
  if (allowlist !== "any") fields.push({ var: "allowlist", type: "text-multi", values: [...allowlist] });
  return dataForm("result", `${NS_REACTIONS}:restrictions`, fields);
}
