/**
 * The soak's legacy network: every user of `localhost` has rooms `r0`, `r1`, … with the same
 * legacy participants `p0`, `p1`, …; the user's messages are accepted with a legacy id. It counts
 * `updateInfo` runs (once per room and process run: first activations).
 */
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import type { GatewayPlugin } from "../../src/legacy/plugin.js";
import { XMPPError } from "../../src/protocol/xmppError.js";

/** The nick every soak user has in every room. */
export const USER_NICK = "me";

/** A room of the soak network. */
class SoakRoom extends LegacyRoom {
  readonly #network: SoakNetwork;
  #texts = 0;

  constructor(session: SoakSession, legacyId: string, network: SoakNetwork) {
    super(session, legacyId);
    this.#network = network;
    this.userNick = USER_NICK;
  }

  override async updateInfo(): Promise<void> {
    this.#network.activated();
    this.name = `Soak room ${this.legacyId}`;
    this.subject = "steady traffic";
    this.type = "group";
  }

  override async fillParticipants(): Promise<void> {
    for (let i = 0; i < this.#network.participants; i++) await this.getParticipant(`p${i}`);
  }

  override async onText(): Promise<string> {
    return `${this.legacyId}-${++this.#texts}-${Date.now()}`;
  }
}

class SoakSession extends LegacySession {
  readonly #network: SoakNetwork;

  constructor(user: string, network: SoakNetwork) {
    super(user);
    this.#network = network;
  }

  override createRoom(legacyId: string): LegacyRoom {
    if (!/^r\d+$/.test(legacyId)) throw new XMPPError("item-not-found", `No room ${legacyId}`);
    return new SoakRoom(this, legacyId, this.#network);
  }
}

/** The plugin of the soak gateway. */
export class SoakNetwork implements GatewayPlugin {
  readonly name = "mucstate soak";
  readonly participants: number;
  /** `updateInfo` runs: once per room and process run (a re-activation resumes without it). */
  activations = 0;

  constructor(participants: number) {
    this.participants = participants;
  }

  createSession(user: string): LegacySession | null {
    return user.endsWith("@localhost") ? new SoakSession(user, this) : null;
  }

  /** A room's `updateInfo` ran. */
  activated(): void {
    this.activations++;
  }
}
