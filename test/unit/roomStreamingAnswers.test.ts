/**
 * A request's answer and a resource whose join sequence is still going out (`joined.streaming`):
 * what is addressed to that resource waits for the end of its sequence, like live traffic.
 */
import { describe, expect, it } from "vitest";
import { qualifiedText } from "../helpers/stanzas.js";
import { ALICE, endsJoin, groupchat, joined } from "../helpers/harness.js";
import { STAGE, joinWithHistory, stageHarness } from "../helpers/stageRoom.js";

const BODY = "{jabber:client}body";

describe("a request answered while another resource's join streams", () => {
  it("sends the echo to the live resource at once and to the streaming one after its subject", async () => {
    const h = stageHarness({
      async fillParticipants(room) {
        for (let i = 0; i < 1000; i++) await room.getParticipant(`p${i}`);
      },
      onText: async () => "legacy-1",
    });
    await joined(h, "stage");
    h.take();
    h.route(joinWithHistory(STAGE, "laptop", 0));
    const deadline = Date.now() + 10_000;
    while (!h.sent.some((s) => s.attrs.to === `${ALICE}/laptop`)) {
      if (Date.now() > deadline) throw new Error("the laptop's join sequence did not start");
      await new Promise((r) => setImmediate(r));
    }
    expect(h.actor().snapshot.context.streaming).toEqual(["laptop"]);
    h.route(groupchat("stage", "hello from the phone", "phone", "m-1"));
    await h.until(() => h.sent.filter((s) => qualifiedText(s, BODY) === "hello from the phone").length === 2);
    await h.until(() => h.actor().snapshot.context.streaming.length === 0);
    const out = h.take();
    const laptop = out.filter((s) => s.attrs.to === `${ALICE}/laptop`);
    const phoneEcho = out.findIndex((s) => s.attrs.to === `${ALICE}/phone` && qualifiedText(s, BODY) === "hello from the phone");
    const laptopEcho = laptop.findIndex((s) => qualifiedText(s, BODY) === "hello from the phone");
    expect(laptop).toHaveLength(1003); // 1000 occupants, the self-presence, the subject, the echo
    expect(laptop.findIndex(endsJoin(STAGE, "laptop"))).toBe(1001);
    expect(laptopEcho).toBe(1002);
    expect(laptop[laptopEcho]!.name).toBe("message");
    expect(phoneEcho).toBeGreaterThanOrEqual(0);
    // The live resource did not wait for the laptop's sequence.
    expect(phoneEcho).toBeLessThan(out.indexOf(laptop[1001]!));
  });
});
