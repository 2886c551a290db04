/**
 * XEP-0313: Message Archive Management, version 1.1 (urn:xmpp:mam:2 and #extended)
 * https://xmpp.org/extensions/xep-0313.html
 * XEP-0059: Result Set Management, version 1.0  https://xmpp.org/extensions/xep-0059.html
 * XEP-0297: Stanza Forwarding  https://xmpp.org/extensions/xep-0297.html
 */
import { type Element, xml } from "@xmpp/component";
import { dataForm, parseForm } from "./xep0004.js";
import { forwarded } from "./xep0297.js";

/** The MAM namespace. */
export const NS_MAM = "urn:xmpp:mam:2";
/** The RSM namespace. */
export const NS_RSM = "http://jabber.org/protocol/rsm";

/** A parsed MAM query: filters with times in epoch milliseconds, and RSM paging. */
export interface ParsedMamQuery {
  queryId?: string;
  start?: number;
  end?: number;
  with?: string;
  beforeId?: string;
  afterId?: string;
  ids?: string[];
  max?: number;
  after?: string;
  /** `""` asks for the last page. */
  before?: string;
  flipPage?: boolean;
}

function time(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new TypeError(`${field} is not a date-time: ${value}`);
  return t;
}

/** Reads an iq's `<query xmlns="urn:xmpp:mam:2">`; throws a TypeError naming a bad field. */
export function parseMamQuery(query: Element): ParsedMamQuery {
  const fields = parseForm(query) ?? new Map<string, string[]>();
  const one = (name: string) => fields.get(name)?.[0];
  const parsed: ParsedMamQuery = {};
  if (query.attrs.queryid) parsed.queryId = query.attrs.queryid;
  const start = time(one("start"), "start");
  const end = time(one("end"), "end");
  if (start !== undefined) parsed.start = start;
  if (end !== undefined) parsed.end = end;
  for (const [field, key] of [["with", "with"], ["before-id", "beforeId"], ["after-id", "afterId"]] as const) {
    const value = one(field);
    if (value) parsed[key] = value;
  }
  const ids = fields.get("ids")?.filter((v) => v !== "");
  if (ids?.length) parsed.ids = ids;
  const set = query.getChild("set", NS_RSM);
  if (set) {
    const max = set.getChildText("max");
    if (max !== null) {
      if (!/^\d+$/.test(max.trim())) throw new TypeError(`max is not a non-negative integer: ${max}`);
      parsed.max = Number(max.trim());
    }
    const after = set.getChild("after");
    if (after) parsed.after = after.getText();
    const before = set.getChild("before");
    if (before) parsed.before = before.getText();
  }
  if (query.getChild("flip-page")) parsed.flipPage = true;
  return parsed;
}

/** The query form (XEP-0313 §5.1), with the #extended fields. */
export function mamForm(): Element {
  return xml(
    "query",
    { xmlns: NS_MAM },
    dataForm("form", NS_MAM, [
      { var: "with", type: "jid-single", values: [] },
      { var: "start", type: "text-single", values: [] },
      { var: "end", type: "text-single", values: [] },
      { var: "before-id", type: "text-single", values: [] },
      { var: "after-id", type: "text-single", values: [] },
      { var: "ids", type: "text-multi", values: [] },
    ]),
  );
}

/**
 * One result message: the archived message forwarded with its delay (XEP-0313 §4.2), declared in
 * `jabber:client` as XEP-0297 requires.
 */
export function mamResult(options: { from: string; to: string; queryId?: string; id: string; stamp: Date; message: Element }): Element {
  return xml(
    "message",
    { from: options.from, to: options.to },
    xml(
      "result",
      { xmlns: NS_MAM, queryid: options.queryId, id: options.id },
      forwarded(options.message, options.stamp),
    ),
  );
}

/** The `<fin/>` that ends a query, with RSM first, last and count. */
export function mamFin(result: { complete: boolean; stable: boolean; first?: string; last?: string; count: number }): Element {
  return xml(
    "fin",
    { xmlns: NS_MAM, complete: result.complete ? "true" : undefined, stable: result.stable ? undefined : "false" },
    xml(
      "set",
      { xmlns: NS_RSM },
      result.first !== undefined ? xml("first", {}, result.first) : null,
      result.last !== undefined ? xml("last", {}, result.last) : null,
      xml("count", {}, String(result.count)),
    ),
  );
}

/** The archive metadata (XEP-0313 §6): its first and last message, or an empty element. */
export function mamMetadata(meta: { start?: { id: string; timestamp: number }; end?: { id: string; timestamp: number } }): Element {
  const mark = (name: string, m?: { id: string; timestamp: number }) =>
    m ? xml(name, { id: m.id, timestamp: new Date(m.timestamp).toISOString() }) : null;
  return xml("metadata", { xmlns: NS_MAM }, mark("start", meta.start), mark("end", meta.end));
}
