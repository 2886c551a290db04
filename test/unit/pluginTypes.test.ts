/**
 * The generics of the plugin API: `LegacyRoom<Session, Participant>` and `LegacySession<Room>`.
 * A plugin typed the way the IRC example is (its session holds the IRC connection, its
 * participants carry IRC modes) reads its own members without `declare` or casts. The type
 * assertions are checked by `npx tsc --noEmit` (tsconfig includes test/); the runtime ones by vitest.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { LegacyParticipant } from "../../src/legacy/LegacyParticipant.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import type { ParticipantInit } from "../../src/legacy/LegacyParticipant.js";
import type { GatewayPlugin } from "../../src/legacy/plugin.js";
import { ALICE, DOMAIN, createHarness, groupchat, joined } from "../helpers/harness.js";

/** Stands for an IRC connection: what the session owns and the rooms use. */
class FakeIrc {
  said: string[] = [];
  say(channel: string, text: string) {
    this.said.push(`${channel}: ${text}`);
  }
}

class IrcParticipant extends LegacyParticipant {
  /** IRC channel modes of this nick (`o` for an operator). */
  modes = "";
  constructor(init: ParticipantInit) {
    super(init);
  }
}

class IrcRoom extends LegacyRoom<IrcSession, IrcParticipant> {
  protected override newParticipant(init: ParticipantInit): IrcParticipant {
    return new IrcParticipant(init);
  }
  override async fillParticipants() {
    const bob = await this.getParticipant("bob");
    bob.modes = "o";
  }
  override async onText(text: string) {
    // No `declare readonly session: IrcSession`: the type parameter gives it.
    this.session.irc.say(this.legacyId, text);
    return undefined;
  }
}

class IrcSession extends LegacySession<IrcRoom> {
  readonly irc = new FakeIrc();
  override createRoom(legacyId: string) {
    return new IrcRoom(this, legacyId);
  }
}

describe("plugin generics", () => {
  it("types the room's session and participants and the session's rooms", () => {
    expectTypeOf<IrcRoom["session"]>().toEqualTypeOf<IrcSession>();
    expectTypeOf<ReturnType<IrcRoom["getParticipant"]>>().toEqualTypeOf<Promise<IrcParticipant>>();
    expectTypeOf<ReturnType<IrcRoom["getParticipants"]>>().toEqualTypeOf<Promise<IrcParticipant[]>>();
    expectTypeOf<ReturnType<IrcRoom["getUserParticipant"]>>().toEqualTypeOf<Promise<IrcParticipant>>();
    expectTypeOf<ReturnType<IrcSession["getRoom"]>>().toEqualTypeOf<Promise<IrcRoom>>();
    expectTypeOf<Parameters<IrcSession["onInvitation"]>[1]>().toEqualTypeOf<IrcRoom>();
    // The defaults keep untyped plugins as they were.
    expectTypeOf<LegacyRoom["session"]>().toEqualTypeOf<LegacySession>();
    expectTypeOf<ReturnType<LegacyRoom["getParticipant"]>>().toEqualTypeOf<Promise<LegacyParticipant>>();
    // A typed session is a plugin's session without a cast.
    expectTypeOf<IrcSession>().toExtend<ReturnType<GatewayPlugin["createSession"]>>();
  });

  it("builds the room's participants with newParticipant and reaches the typed session at run time", async () => {
    const h = createHarness({ createSession: (user) => new IrcSession(user) });
    await joined(h, "chan");
    h.route(groupchat("chan", "hello"));
    const session = (await h.sessions.get(ALICE)) as IrcSession;
    await h.until(() => session.irc.said.length > 0);
    expect(session.irc.said).toEqual(["chan: hello"]);
    const room = await session.getRoom("chan");
    expect(room.jid).toBe(`chan@${DOMAIN}`);
    const participants = await room.getParticipants();
    expect(participants.map((p) => [p.nickname, p instanceof IrcParticipant, p.modes])).toEqual([["bob", true, "o"]]);
    expect((await room.getUserParticipant()) instanceof IrcParticipant).toBe(true);
    expect(room.getSystemParticipant() instanceof IrcParticipant).toBe(true);
  });
});
