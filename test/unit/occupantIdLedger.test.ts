/**
 * The occupant-id ledger keeps only what the nicks do not say (src/legacy/occupantIds.ts): it
 * must answer every `issue` as the ledger of two full maps it replaced did, whatever renames,
 * restored participants and returns come first. Random sequences of both, side by side.
 */
import { describe, expect, it } from "vitest";
import { OccupantIds } from "../../src/legacy/occupantIds.js";
import { deriveOccupantId } from "../../src/protocol/xep0421.js";

const ROOM = "room@muc.example.org";

/** The ledger as it was: id → last nick, nick → last id, one entry of each per nick-only participant. */
class TwoMapLedger {
  readonly nickOf = new Map<string, string>();
  readonly idOf = new Map<string, string>();
  issue(nickname: string): string {
    const known = this.idOf.get(nickname);
    if (known !== undefined) return known;
    for (let n = 1; ; n++) {
      const id = deriveOccupantId(ROOM, n === 1 ? `nick:${nickname}` : `nick:${nickname}\0${n}`);
      if (this.nickOf.has(id)) continue;
      this.seen(id, nickname);
      return id;
    }
  }
  remember(id: string, nickname: string): void {
    this.seen(id, nickname);
  }
  renamed(id: string, nickname: string): void {
    if (this.nickOf.has(id)) this.seen(id, nickname);
  }
  seen(id: string, nickname: string): void {
    const earlier = this.nickOf.get(id);
    if (earlier !== undefined && earlier !== nickname && this.idOf.get(earlier) === id) this.idOf.delete(earlier);
    this.nickOf.set(id, nickname);
    this.idOf.set(nickname, id);
  }
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NICKS = ["ann", "bob", "cy", "dee", "eve"];

describe("the occupant-id ledger", () => {
  it("gives every id the two-map ledger gave, over 3,000 random sequences of arrivals, renames, restored participants and returns", () => {
    for (let seed = 1; seed <= 3_000; seed++) {
      const next = random(seed);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] as T;
      const ledger = new OccupantIds();
      const model = new TwoMapLedger();
      // The participants in the room now: their ids and nicks (a nick is held by one at a time).
      const present: Array<{ occupantId: string; nickname: string }> = [];
      const free = () => NICKS.filter((n) => !present.some((p) => p.nickname === n));
      const steps: string[] = [];
      for (let step = 0; step < 24; step++) {
        const roll = next();
        if (roll < 0.4 && free().length > 0) {
          const nickname = pick(free());
          const id = ledger.issue(ROOM, nickname, undefined);
          steps.push(`issue ${nickname}`);
          expect(id, `seed ${seed}: ${steps.join(", ")}`).toBe(model.issue(nickname));
          present.push({ occupantId: id, nickname });
        } else if (roll < 0.65 && present.length > 0 && free().length > 0) {
          const p = pick(present);
          const old = p.nickname;
          p.nickname = pick(free());
          steps.push(`rename ${old} → ${p.nickname}`);
          ledger.renamed(ROOM, p, old);
          model.renamed(p.occupantId, p.nickname);
        } else if (roll < 0.85 && present.length > 0) {
          const p = pick(present);
          present.splice(present.indexOf(p), 1);
          steps.push(`leave ${p.nickname}`);
        } else if (free().length > 0) {
          // A participant the store kept: under a free nick, with an id of some nick's series.
          const nickname = pick(free());
          const id = deriveOccupantId(ROOM, next() < 0.6 ? `nick:${pick(NICKS)}` : `nick:${pick(NICKS)}\0${2 + Math.floor(next() * 2)}`);
          if (present.some((p) => p.occupantId === id)) continue;
          steps.push(`remember ${nickname} ${id.slice(0, 4)}`);
          ledger.remember({ nickname, occupantId: id });
          model.remember(id, nickname);
          present.push({ occupantId: id, nickname });
        }
      }
      // Every nick, asked at the end, gets what the model gives.
      for (const nickname of NICKS) expect(ledger.issue(ROOM, nickname, undefined), `seed ${seed}: ${steps.join(", ")}; ${nickname}`).toBe(model.issue(nickname));
    }
  });
});
