/**
 * What the user should see in the model-based tests (test/unit/modelBased.test.ts): the stanzas
 * the chart's emitted events mean, step by step, as the room actor sends them, and what they
 * depend on (the archive, the join sequences still going out, the traffic held for joins).
 */
import type { Element } from "@xmpp/component";
import { decisionOf } from "../../src/actors/pluginTraffic.js";
import type { RoomEvent } from "../../src/machines/roomEvents.js";
import type { ModelStep } from "./modelSteps.js";
import { BACKFILLED, PARTICIPANTS, ROOM, USER_NICK, fullJid, line, occupant, replyTo } from "./modelLegacy.js";
import { CHATTER, type ModelSnapshot, chatterBody, chatterId } from "./modelPaths.js";

/** Stanzas of a join sequence the fan-out sends before it first checks the outbox (`JOIN_CHUNK` in src/actors/roomFanOut.ts). */
const JOIN_CHUNK = 250;

/** A join, read or request of the path: the stanza that carried it and what it asked for. */
export interface Sent {
  stanza: Element;
  event: RoomEvent;
}

/** The stanzas the chart's emitted events mean, step by step, and what they depend on. */
export class Expected {
  /** What the store archived, oldest first: its stanza-id, and the message as join history shows it to `to`. */
  readonly archived: Array<{ id: string; line: (to: string) => string }> = [];
  /** True once `fillParticipants` ran in this process run (it survives a passivation). */
  participantsKnown = false;
  /** The stanzas of a join sequence still to go out after the outbox drains, by resource. */
  readonly #rest = new Map<string, string[]>();
  /** The plugin's traffic held for a join that waits, by resource. */
  readonly #held = new Map<string, Array<{ id: string; line: string }>>();
  /** `sent` finds the join, read or request of the path that has this model id. */
  constructor(private readonly sent: (id: string) => Sent) {}

  /** `backfill` ran: what it archived is older than anything archived live. */
  backfilled(): void {
    const { from, legacyId: id, body } = BACKFILLED;
    this.archived.unshift({ id, line: (to) => line({ name: "message", type: "groupchat", from: occupant(from), to, id, body, delay: true }) });
  }

  /**
   * The stanzas the chart's emitted events mean, in the order the room actor sends them. A join
   * sequence goes out up to the outbox's first check ({@link JOIN_CHUNK} stanzas), its rest when
   * the outbox drains (the model's `join.streamed`). Read answers are built asynchronously, so
   * they come after the rest of the step. The plugin's traffic goes out as decided in `before`,
   * the state the step starts in.
   */
  of(step: ModelStep, stepId: string, before: ModelSnapshot | undefined): string[] {
    const now: string[] = [];
    const later: string[] = [];
    const gone = (r: string, codes: string[]) => line({ name: "presence", type: "unavailable", from: occupant(USER_NICK), to: fullJid(r), codes });
    const removed = (r: string) => gone(r, ["100", "110", "307"]);
    if (step.event.type === "join.streamed") {
      now.push(...(this.#rest.get(step.event.resource) ?? []));
      this.#rest.delete(step.event.resource);
    }
    for (const e of step.emitted) {
      switch (e.type) {
        case "join.ready": {
          const { stanza, event } = this.sent(e.id);
          const to = fullJid(e.resource);
          // What was held for the join goes out after it, not again in its history.
          const held = this.#held.get(e.resource) ?? [];
          this.#held.delete(e.resource);
          const archived = this.archived.slice(-20).filter((m) => !held.some((h) => h.id === m.id));
          const sequence = [
            ...(this.participantsKnown ? PARTICIPANTS : []).map((nick) => line({ name: "presence", from: occupant(nick), to })),
            line({ name: "presence", from: occupant(USER_NICK), to, id: stanza.attrs.id, codes: ["100", "110"] }),
            ...(event.type === "join" && event.history ? archived.map((m) => m.line(to)) : []),
            line({ name: "message", type: "groupchat", from: ROOM, to, subject: true }),
            ...held.map((h) => h.line),
          ];
          now.push(...sequence.slice(0, JOIN_CHUNK));
          this.#rest.set(e.resource, sequence.slice(JOIN_CHUNK));
          break;
        }
        case "join.failed": {
          const { stanza, event } = this.sent(e.id);
          if (event.type === "join") this.#forget(event.resource);
          now.push(replyTo(stanza, { type: "error", error: e.error.condition }));
          break;
        }
        case "read.failed":
          now.push(replyTo(this.sent(e.id).stanza, { type: "error", error: e.error.condition }));
          break;
        case "read.ready":
          later.push(replyTo(this.sent(e.id).stanza, { type: "result" }));
          break;
        case "request.settled": {
          const { stanza, event } = this.sent(e.id);
          if (!e.ok) now.push(replyTo(stanza, { type: "error", error: e.error.condition }));
          else if (event.type === "requests" && event.requests[0]?.kind === "message") {
            const echo = (to: string, delay: boolean) =>
              line({ name: "message", type: "groupchat", from: occupant(USER_NICK), to, id: stanza.attrs.id, body: stanza.getChildText("body") ?? "", delay });
            this.archived.push({ id: String(stanza.attrs.id), line: (to) => echo(to, true) });
            // Live traffic for a resource whose join sequence is going out waits for the sequence
            // (XEP-0045 §7.2: occupants, self-presence, history, subject, then live traffic).
            for (const r of e.resources) (e.streaming.includes(r) ? this.#restOf(r) : now).push(echo(fullJid(r), false));
          } else if (event.type === "requests" && event.requests[0]?.kind === "leave") {
            now.push(replyTo(stanza, { type: "result" }), ...e.resources.map(removed));
          } else {
            now.push(...e.resources.map((r) => line({ name: "presence", type: "unavailable", from: occupant(USER_NICK), to: fullJid(r), codes: ["110"], destroy: true })));
            now.push(replyTo(stanza, { type: "result" }));
          }
          break;
        }
        case "left":
          this.#forget(e.resource);
          now.push(line({ name: "presence", type: "unavailable", from: occupant(USER_NICK), to: fullJid(e.resource), codes: ["110"] }));
          break;
        case "gone": // kicked (333) only by the plugin, which the model does not do
          this.#forget(e.resource);
          break;
        case "removal":
          if (e.kick) now.push(...e.resources.map(removed));
          break;
        case "destroyed":
        case "removed":
          this.#rest.clear();
          this.#held.clear();
          break;
        case "stopped": // the gateway's shutdown: no join sequence goes on, the resources in the room get 332
          this.#rest.clear();
          this.#held.clear();
          now.push(...e.resources.map((r) => gone(r, ["110", "332"])));
          break;
        case "traffic": {
          // A message from CHATTER: archived (only, while backfill runs), then live to the audience.
          const id = chatterId(stepId);
          const message = (to: string, delay: boolean) => line({ name: "message", type: "groupchat", from: occupant(CHATTER), to, id, body: chatterBody(stepId), delay });
          this.archived.push({ id, line: (to) => message(to, true) });
          if (decisionOf(e, before ?? step.snapshot).backfilling) break;
          now.push(...e.audience.now.map((r) => message(fullJid(r), false)));
          for (const r of e.audience.streaming) this.#rest.get(r)?.push(message(fullJid(r), false));
          for (const r of e.audience.joining) {
            if (e.audience.streaming.includes(r)) continue;
            const held = this.#held.get(r) ?? [];
            held.push({ id, line: message(fullJid(r), false) });
            this.#held.set(r, held);
          }
          break;
        }
        case "join.dropped": {
          const { event } = this.sent(e.id); // its join sequence will not come: nothing held for it goes out
          if (event.type === "join") this.#held.delete(event.resource);
          break;
        }
        case "request.started":
          break;
      }
    }
    return [...now, ...later];
  }

  /** What goes out after the rest of a resource's join sequence, which must be going out. */
  #restOf(resource: string): string[] {
    const rest = this.#rest.get(resource);
    if (!rest) throw new Error(`the chart says the join sequence of ${resource} is going out; the model sent all of it`);
    return rest;
  }

  /** A resource is out: nothing more of its join sequence, nothing held for it. */
  #forget(resource: string): void {
    this.#rest.delete(resource);
    this.#held.delete(resource);
  }
}
