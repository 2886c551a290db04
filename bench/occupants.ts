/**
 * A pool of real XMPP clients that sit in Prosody's native MUC rooms, for the `join` baseline.
 * It runs in its own process (see {@link startOccupantPool}), so that parsing the presences
 * Prosody broadcasts to a thousand occupants does not slow the measuring client's event loop.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { xml } from "@xmpp/client";
import { type Client, MUC, connectClient, connectMany, nextStanza } from "./xmpp.js";

/** What the parent asks the pool to do. */
export type PoolCommand =
  | { op: "connect"; c2sPort: number; names: string[]; batch: number }
  | { op: "join"; room: string; count: number; batch: number }
  | { op: "subject"; room: string; text: string };

type Reply = { ok: true; ms: number } | { ok: false; error: string };

/** The parent's handle on a pool process. */
export interface OccupantPool {
  /** Runs one command; resolves with its duration in ms. */
  run(command: PoolCommand): Promise<number>;
  /** Kills the process (Prosody sees the connections drop). */
  stop(): Promise<void>;
}

/** Forks the pool process (same Node flags as this one, so tsx loads it). */
export function startOccupantPool(): OccupantPool {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ["--pool"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let queue = Promise.resolve<unknown>(undefined);
  const run = (command: PoolCommand) => {
    const next = queue.then(
      () =>
        new Promise<number>((resolve, reject) => {
          const onExit = (code: number | null) => reject(new Error(`occupant pool exited (${code})`));
          child.once("exit", onExit);
          child.once("message", (reply: Reply) => {
            child.removeListener("exit", onExit);
            if (reply.ok) resolve(reply.ms);
            else reject(new Error(`occupant pool: ${reply.error}`));
          });
          child.send(command);
        }),
    );
    queue = next.catch(() => {});
    return next;
  };
  return {
    run,
    async stop() {
      // Killed, not stopped politely: a thousand clients leaving one by one would make Prosody
      // broadcast half a million unavailable presences first.
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await gone;
    },
  };
}

// ---- the pool process ---------------------------------------------------------------------------

const clients: Client[] = [];

async function handle(command: PoolCommand): Promise<void> {
  switch (command.op) {
    case "connect": {
      const fresh = await connectMany(command.names.length, command.batch, (i) => connectClient(command.c2sPort, command.names[i]!, "pool"));
      clients.push(...fresh);
      return;
    }
    case "join": {
      const members = clients.slice(0, command.count);
      // The first joiner creates the room and owns it (it sets the subject): it goes alone.
      const joinOne = async (i: number) => {
        const c = members[i]!;
        const nick = `o${i}`;
        const self = nextStanza(
          c,
          (s) => s.is("presence") && s.attrs.from === `${command.room}/${nick}` && s.attrs.type !== "error",
          60_000,
          `self-presence of ${nick} in ${command.room}`,
        );
        await c.send(xml("presence", { to: `${command.room}/${nick}` }, xml("x", { xmlns: MUC })));
        await self;
      };
      await joinOne(0);
      await connectMany(members.length - 1, command.batch, (i) => joinOne(i + 1));
      return;
    }
    case "subject": {
      const c = clients[0]!;
      const from = (s: { attrs: Record<string, string | undefined> }) => s.attrs.from?.startsWith(command.room) === true;
      const echoed = nextStanza(c, (s) => s.is("message") && from(s) && (s.getChild("subject") !== undefined || s.attrs.type === "error"), 30_000, "subject echo");
      await c.send(xml("message", { to: command.room, type: "groupchat" }, xml("subject", {}, command.text)));
      const answer = await echoed;
      if (answer.attrs.type === "error") throw new Error(`subject refused: ${answer.toString()}`);
      return;
    }
  }
}

if (process.argv.includes("--pool") && process.send) {
  process.on("message", (command: PoolCommand) => {
    const t0 = performance.now();
    handle(command).then(
      () => {
        process.send?.({ ok: true, ms: performance.now() - t0 } satisfies Reply);
      },
      (error: unknown) => process.send?.({ ok: false, error: String((error as Error)?.stack ?? error) } satisfies Reply),
    );
  });
  process.on("disconnect", () => process.exit(0));
  process.on("uncaughtException", (error) => console.error("occupant pool: uncaught", error));
}
