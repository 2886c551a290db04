import { LegacyRoom, LegacySession, XMPPError, createGateway } from "mucstate";

// A one-room "legacy network" that repeats what the user says.
class EchoRoom extends LegacyRoom {
  override async updateInfo() {
    this.name = "Echo chamber";
    this.subject = "Say something";
    this.type = "channel";
  }

  override async fillParticipants() {
    await this.getParticipant("echo-bot");
  }

  override async onText(text: string) {
    const bot = await this.getParticipant("echo-bot");
    setTimeout(() => bot.sendText(`you said: ${text}`), 10);
    return undefined; // no legacy id: mucstate makes a stanza-id
  }
}

class EchoSession extends LegacySession {
  override createRoom(legacyId: string) {
    if (legacyId !== "echo") throw new XMPPError("item-not-found", `No room ${legacyId}`);
    return new EchoRoom(this, legacyId);
  }
}

export const gateway = createGateway({
  domain: process.env.DOMAIN ?? "echo.localhost",
  secret: process.env.SECRET ?? "secret",
  service: process.env.SERVICE ?? "xmpp://127.0.0.1:5347",
  plugin: { createSession: (user) => (user.endsWith("@localhost") ? new EchoSession(user) : null) },
});
