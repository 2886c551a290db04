/**
 * `serializeParts` writes exactly what `xml(name, attrs, ...children).toString()` writes, without
 * building the element or touching the children it is given.
 */
import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { parseElement } from "../../src/protocol/parseXml.js";
import { SerializedTemplate, serializeParts } from "../../src/protocol/serializedElement.js";
import { stanzaIdElement, stanzaIdText } from "../../src/protocol/xep0359.js";
import { occupantIdElement, occupantIdText } from "../../src/protocol/xep0421.js";

const cases: Array<[string, string, Record<string, string | undefined>, Array<ReturnType<typeof xml> | string>]> = [
  ["no children", "presence", { from: "a@b/c", to: "" }, []],
  ["text with markup characters", "message", { id: "1", type: "groupchat", to: "" }, [xml("body", {}, `<b> & "q" 'a' ]]>`)]],
  ["attribute values with quotes, ampersands and angle brackets", "message", { id: `x"&'<>`, "xml:lang": "en", to: "" }, [xml("body", {}, "hi")]],
  ["undefined attributes left out, order kept", "message", { b: "2", a: undefined, c: "3", to: "" }, ["text only"]],
  ["nested elements and namespaces", "message", { to: "" }, [
    xml("reply", { xmlns: "urn:xmpp:reply:0", id: "r1", to: "room@muc/x" }),
    xml("fallback", { xmlns: "urn:xmpp:fallback:0", for: "urn:xmpp:reply:0" }, xml("body", { start: "0", end: "7" })),
    xml("html", { xmlns: "http://jabber.org/protocol/xhtml-im" }, xml("body", { xmlns: "http://www.w3.org/1999/xhtml" }, xml("p", {}, "a ", xml("em", {}, "b")))),
  ]],
  ["whitespace text between elements", "message", { to: "" }, ["\n  ", xml("body", {}, "x"), "\n"]],
];

describe("serializeParts", () => {
  for (const [what, name, attrs, children] of cases) {
    it(`writes what xml() writes: ${what}`, () => {
      const expected = xml(name, { ...attrs }, ...children.map((c) => (typeof c === "string" ? c : parseElement(c.toString())))).toString();
      expect(serializeParts({ name, attrs, children })).toBe(expected);
    });
  }

  it("appends the trailing text after the children, and a template made from parts equals one made from the element", () => {
    const body = xml("body", {}, "hello");
    const sid = xml("stanza-id", { xmlns: "urn:xmpp:sid:0", id: "s1", by: "room@muc" });
    const attrs = { id: "m1", from: "room@muc/alice", to: "", type: "groupchat" };
    const fromParts = new SerializedTemplate({ name: "message", attrs, children: [body], trailing: sid.toString() });
    const fromElement = new SerializedTemplate(xml("message", { ...attrs }, parseElement(body.toString()), sid));
    const to = "alice@example.org/phone";
    expect(fromParts.make(to, xml.escapeXML(to)).toString()).toBe(fromElement.make(to, xml.escapeXML(to)).toString());
  });

  it("gives the text of a copy without making it, with the address escaped as given", () => {
    const template = new SerializedTemplate(xml("message", { from: "room@muc/alice", to: "", type: "groupchat" }, xml("body", {}, "a < b")));
    const to = "o'neil&co@example.org";
    expect(template.text(xml.escapeXML(to))).toBe(`<message from="room@muc/alice" to="o&apos;neil&amp;co@example.org" type="groupchat"><body>a &lt; b</body></message>`);
    expect(template.text(xml.escapeXML(to))).toBe(template.make(to, xml.escapeXML(to)).toString());
  });

  it("leaves the children it serializes where they are (no copy, no new parent)", () => {
    const message = parseElement(`<message xmlns="jabber:client" to="room@muc" type="groupchat"><body>x</body></message>`);
    const body = message.getChild("body", "jabber:client")!;
    serializeParts({ name: "message", attrs: { to: "" }, children: message.children });
    expect(body.parent).toBe(message);
    expect(message.children).toEqual([body]);
  });

  it("writes an echo's stanza-id and occupant-id as their elements serialize, escaping included", () => {
    expect(stanzaIdText(`id"&<`, "room@muc.example.org")).toBe(stanzaIdElement(`id"&<`, "room@muc.example.org").toString());
    expect(stanzaIdText("fx-1", "room@muc.example.org")).toBe('<stanza-id xmlns="urn:xmpp:sid:0" id="fx-1" by="room@muc.example.org"/>');
    expect(occupantIdText("Yq3i'HB")).toBe(occupantIdElement("Yq3i'HB").toString());
    expect(occupantIdText("o1")).toBe('<occupant-id xmlns="urn:xmpp:occupant-id:0" id="o1"/>');
  });
});
