/**
 * XEP-0356 advertisements as servers send them (test/golden/xep0356-advertisement-*.xml, copied
 * from the wire: Prosody 0.12's mod_privilege speaks version 0.4, ejabberd 23.01's version 0.3),
 * read into what the gateway may do.
 */
import { readFileSync } from "node:fs";
import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { parseElement } from "../../src/protocol/parseXml.js";
import { type GrantedPrivileges, parsePrivilege } from "../../src/protocol/xep0356.js";
import { Privileges } from "../../src/transport/privileges.js";

const PUBSUB = "http://jabber.org/protocol/pubsub";
const golden = (name: string) => parseElement(readFileSync(new URL(`../golden/xep0356-advertisement-${name}.xml`, import.meta.url), "utf8").trim());

const expected: Record<string, GrantedPrivileges> = {
  "v2-prosody": { namespace: "urn:xmpp:privilege:2", iq: new Map([[PUBSUB, { get: true, set: true }]]), roster: "both", message: "outgoing" },
  "v1-ejabberd": { namespace: "urn:xmpp:privilege:1", iq: new Map(), roster: "both", message: "outgoing", presence: "none" },
  // Version 0.3 has no iq permission: an `iq` perm in its namespace grants nothing.
  "v1-stray-iq": { namespace: "urn:xmpp:privilege:1", iq: new Map(), presence: "managed_entity" },
};

describe("XEP-0356 privilege advertisements", () => {
  for (const [name, granted] of Object.entries(expected)) {
    it(`reads ${name}`, () => {
      expect(parsePrivilege(golden(name))).toEqual(granted);
    });
  }

  it("only a version 0.4 advertisement lets the gateway send privileged pubsub iqs", () => {
    const privileges = new Privileges();
    privileges.grant("prosody.example", parsePrivilege(golden("v2-prosody"))!);
    privileges.grant("ejabberd.example", parsePrivilege(golden("v1-stray-iq"))!);
    expect([
      privileges.canIq("prosody.example", PUBSUB, "set"),
      privileges.canIq("ejabberd.example", PUBSUB, "set"),
      privileges.namespaceOf("prosody.example"),
      privileges.namespaceOf("EJABBERD.example"),
      privileges.namespaceOf("elsewhere.example"),
    ]).toEqual([true, false, "urn:xmpp:privilege:2", "urn:xmpp:privilege:1", undefined]);
  });

  it("ignores a message without a privilege element in either namespace", () => {
    const other = xml("message", { from: "localhost" }, xml("privilege", { xmlns: "urn:xmpp:privilege:3" }), xml("body", {}, "hi"));
    expect(parsePrivilege(other)).toBeUndefined();
  });
});
