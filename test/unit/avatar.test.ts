import { join } from "node:path";
import { xml } from "@xmpp/component";
import { afterEach, describe, expect, it } from "vitest";
import { sha1 } from "../../src/actors/avatars.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import { openSqliteStore } from "../../src/store/sqliteStore.js";
import { removeTempDirs, tempDir } from "../store/helpers.js";
import { ALICE, DOMAIN, conditionOf, createHarness, fixtureHarness, iq, joined, lobbyFixture, summary } from "../helpers/harness.js";

const ROOM = `lobby@${DOMAIN}`;
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
const vcardSet = (data: Uint8Array | null) =>
  xml(
    "vCard",
    { xmlns: "vcard-temp" },
    data ? xml("PHOTO", {}, xml("TYPE", {}, "image/png"), xml("BINVAL", {}, Buffer.from(data).toString("base64"))) : null,
  );
const photoHash = (s: { getChild: (n: string, ns?: string) => any }) => s.getChild("x", "vcard-temp:x:update")?.getChildText("photo");

describe("room avatars", () => {
  it("vCard set calls onAvatar; a returned id sends the result, then 104 and the room presence with the new hash", async () => {
    const h = fixtureHarness(lobbyFixture());
    await joined(h, "lobby", ["phone", "laptop"]);
    h.route(iq("set", ROOM, vcardSet(PNG), "av"));
    await h.settle();
    const out = h.take();
    expect(out.map(summary)).toEqual([
      `iq/result ${ROOM} -> ${ALICE}/phone`,
      `message/groupchat ${ROOM} -> ${ALICE}/phone [104]`,
      `presence ${ROOM} -> ${ALICE}/phone`,
      `message/groupchat ${ROOM} -> ${ALICE}/laptop [104]`,
      `presence ${ROOM} -> ${ALICE}/laptop`,
    ]);
    expect(photoHash(out[2]!)).toBe(sha1(PNG));
    h.route(iq("get", ROOM, xml("vCard", { xmlns: "vcard-temp" }), "get"));
    h.route(iq("get", ROOM, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "disco"));
    await h.settle();
    const [vcard, disco] = h.take();
    expect(vcard!.getChild("vCard", "vcard-temp")!.getChild("PHOTO")!.getChildText("TYPE")).toBe("image/png");
    expect(vcard!.getChild("vCard", "vcard-temp")!.getChild("PHOTO")!.getChildText("BINVAL")).toBe(Buffer.from(PNG).toString("base64"));
    const fields = disco!.getChild("query", "http://jabber.org/protocol/disco#info")!.getChild("x", "jabber:x:data")!.getChildren("field").map((f: any) => [f.attrs.var, f.getChildText("value")]);
    expect(fields).toContainEqual(["muc#roominfo_avatarhash", sha1(PNG)]);
  });

  it("a null id from onAvatar only answers the iq; vCard set on an occupant is bad-request; bad base64 too", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby");
    actor.room.onAvatar = async () => null;
    h.route(iq("set", ROOM, vcardSet(PNG), "a"));
    h.route(iq("set", `${ROOM}/bob`, vcardSet(PNG), "b"));
    h.route(iq("set", ROOM, xml("vCard", { xmlns: "vcard-temp" }, xml("PHOTO", {}, xml("BINVAL", {}, "%%%"))), "c"));
    await h.settle();
    const byId = Object.fromEntries(h.take().map((s) => [s.attrs.id, `${s.attrs.type} ${conditionOf(s) ?? ""}`.trim()]));
    expect(byId).toEqual({ a: "result", b: "error bad-request", c: "error bad-request" });
  });

  it("setAvatar with the same unique id sends nothing; a new call cancels a pending one; blocking waits for the presences", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby");
    await actor.room.setAvatar(PNG, "v1", { blocking: true });
    expect(h.take().map(summary)).toEqual([`message/groupchat ${ROOM} -> ${ALICE}/phone [104]`, `presence ${ROOM} -> ${ALICE}/phone`]);
    await actor.room.setAvatar(PNG, "v1", { blocking: true });
    expect(h.take()).toEqual([]);
    const other = new Uint8Array([0xff, 0xd8, 0xff, 9]);
    // A fetched avatar is still loading when the next call cancels it.
    const first = actor.room.setAvatar(new URL("data:image/gif;base64,R0lGODlhAQABAAAAACw="), "fetched", {});
    await actor.room.setAvatar(other, "v2", { blocking: true });
    await first;
    await h.settle(20);
    const out = h.take();
    expect(out.filter((s) => s.name === "presence").map(photoHash)).toEqual([sha1(other)]);
    expect(actor.room.avatarId).toBe("v2");
    await actor.room.setAvatar(null, undefined, { blocking: true });
    expect(h.take().map(photoHash)).toEqual([undefined, ""]);
  });
});

describe("room avatars across a restart (SQLite)", () => {
  afterEach(removeTempDirs);

  /** A room whose legacy avatar is `current.id`; its updateInfo downloads it only when the room's avatarId differs. */
  function avatarNetwork(current: { id: string; bytes: Uint8Array }, seen: Array<{ avatarId?: string; avatarHash?: string }>, downloads: string[]) {
    class PictureRoom extends LegacyRoom {
      override async updateInfo() {
        seen.push({ avatarId: this.avatarId, avatarHash: this.avatarHash });
        if (this.avatarId === current.id) return;
        downloads.push(current.id);
        await this.setAvatar(current.bytes, current.id, { blocking: true });
      }
    }
    class Session extends LegacySession {
      override createRoom(id: string) {
        return new PictureRoom(this, id);
      }
    }
    return { createSession: (user: string) => new Session(user) };
  }

  it("updateInfo finds the stored avatar id and hash, and skips the download; the vCard still has the photo; a later setAvatar is stored too", async () => {
    const path = join(tempDir(), "store.db");
    const options = { retentionDays: Number.POSITIVE_INFINITY };
    const current = { id: "legacy-avatar-1", bytes: PNG };
    const seen: Array<{ avatarId?: string; avatarHash?: string }> = [];
    const downloads: string[] = [];
    const disco = iq("get", ROOM, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "disco");
    const avatarHashOf = (s: { getChild: (n: string, ns?: string) => any }) =>
      s.getChild("query", "http://jabber.org/protocol/disco#info").getChild("x", "jabber:x:data").getChildren("field").find((f: any) => f.attrs.var === "muc#roominfo_avatarhash")?.getChildText("value");

    let store = openSqliteStore(path, options);
    let h = createHarness(avatarNetwork(current, seen, downloads), { store });
    h.route(disco);
    await h.until(() => h.sent.some((s) => s.attrs.id === "disco"));
    expect(avatarHashOf(h.take()[0]!)).toBe(sha1(PNG));
    // The legacy network changes the avatar while the room runs; the plugin applies it without blocking.
    const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 7, 7]);
    Object.assign(current, { id: "legacy-avatar-2", bytes: JPEG });
    await h.registry.peek(ALICE, ROOM)!.room.setAvatar(JPEG, "legacy-avatar-2");
    await h.settle(20);
    h.registry.shutdown();
    store.close();

    store = openSqliteStore(path, options);
    h = createHarness(avatarNetwork(current, seen, downloads), { store });
    h.route(disco);
    await h.until(() => h.sent.some((s) => s.attrs.id === "disco"));
    expect(avatarHashOf(h.take()[0]!)).toBe(sha1(JPEG));
    expect(seen).toEqual([{ avatarId: undefined, avatarHash: undefined }, { avatarId: "legacy-avatar-2", avatarHash: sha1(JPEG) }]);
    expect(downloads).toEqual(["legacy-avatar-1"]);
    // No download, yet the advertised hash has its photo: the bytes came back from the store.
    h.route(iq("get", ROOM, xml("vCard", { xmlns: "vcard-temp" }), "vcard"));
    await h.until(() => h.sent.some((s) => s.attrs.id === "vcard"));
    const photo = h.take()[0]!.getChild("vCard", "vcard-temp")!.getChild("PHOTO")!;
    expect(photo.getChildText("TYPE")).toBe("image/jpeg");
    expect(Buffer.from(photo.getChildText("BINVAL")!, "base64")).toEqual(Buffer.from(JPEG));
    h.registry.shutdown();
    store.close();
  });
});
