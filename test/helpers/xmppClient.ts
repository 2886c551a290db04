/**
 * A real XMPP client (@xmpp/client) for end-to-end tests, recording what it receives.
 */
import { client, xml } from "@xmpp/client";

type ClientElement = ReturnType<typeof xml>;

/** A connected test user. */
export interface TestUser {
  jid: string;
  received: ClientElement[];
  send(el: ClientElement): Promise<void>;
  /** Waits for the n-th (default first) received stanza that matches, counting from `from`. */
  waitFor(match: (s: ClientElement) => boolean, options?: { timeoutMs?: number; count?: number }): Promise<ClientElement[]>;
  /** Removes everything received so far. */
  clear(): void;
  stop(): Promise<void>;
}

/** Logs in `local@localhost/resource` over plain TCP on loopback. */
export async function connectUser(port: number, local: string, password: string, resource: string): Promise<TestUser> {
  const xmpp = client({ service: `xmpp://127.0.0.1:${port}`, domain: "localhost", username: local, password, resource });
  xmpp.on("error", () => {});
  const received: ClientElement[] = [];
  const waiters = new Set<() => void>();
  xmpp.on("stanza", (s: ClientElement) => {
    received.push(s);
    for (const w of waiters) w();
  });
  const address = await xmpp.start();
  await xmpp.send(xml("presence", {}));
  // A round trip after the presence: once it returns, the server has made this resource available.
  await xmpp.iqCaller.get(xml("ping", { xmlns: "urn:xmpp:ping" }), "localhost");
  return {
    jid: address.toString(),
    received,
    send: (el) => xmpp.send(el),
    waitFor(match, { timeoutMs = 10_000, count = 1 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hits = received.filter(match);
          if (hits.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hits);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting; received:\n${received.map(String).join("\n")}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    clear() {
      received.splice(0);
    },
    async stop() {
      await xmpp.stop().catch(() => {});
    },
  };
}

/**
 * Resolves once the component `domain` has answered a disco#info query that `user` sends now:
 * since Prosody keeps the order of the component stream, the gateway has by then received every
 * stanza `user` sent before. The answer is removed from `received`.
 */
export async function reachedGateway(user: TestUser, domain: string): Promise<void> {
  const id = `sync-${Math.random().toString(36).slice(2)}`;
  await user.send(xml("iq", { to: domain, type: "get", id }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
  const [answer] = await user.waitFor((s) => s.attrs.id === id && s.is("iq", "jabber:client") && s.attrs.type === "result");
  user.received.splice(user.received.indexOf(answer!), 1);
}

/**
 * Queries the MAM archive (XEP-0313) of `to` as `user` with `queryid`, waits for the final iq,
 * and returns `[result id, archived message]` pairs in the order the results came, each message
 * read by qualified name: `{urn:xmpp:mam:2}result/{urn:xmpp:forward:0}forwarded/{jabber:client}message`.
 */
export async function archivedMessages(user: TestUser, to: string, queryid = "mam"): Promise<Array<[string, ClientElement | undefined]>> {
  await user.send(xml("iq", { to, type: "set", id: queryid }, xml("query", { xmlns: "urn:xmpp:mam:2", queryid })));
  await user.waitFor((s) => s.is("iq", "jabber:client") && s.attrs.id === queryid);
  const results = user.received.map((s) => s.getChild("result", "urn:xmpp:mam:2")).filter((result) => result?.attrs.queryid === queryid);
  return results.map((result) => [result!.attrs.id as string, result!.getChild("forwarded", "urn:xmpp:forward:0")?.getChild("message", "jabber:client")]);
}

/** The bodies ({jabber:client}body) of {@link archivedMessages}, in order; null where a message has none. */
export async function archivedBodies(user: TestUser, to: string, queryid = "mam"): Promise<Array<string | null>> {
  return (await archivedMessages(user, to, queryid)).map(([, m]) => m?.getChildText("body", "jabber:client") ?? null);
}

/**
 * Every archived message of `to` in MAM (XEP-0313 §4.1), page after page (RSM `<after/>`, the
 * server's largest page) until the final iq's `{urn:xmpp:mam:2}fin` says `complete`: the result
 * ids in order, and the RSM `<count/>` of the last page.
 */
export async function allArchivedIds(user: TestUser, to: string, queryid = "all"): Promise<{ ids: string[]; count: number }> {
  const ids: string[] = [];
  for (let page = 0; ; page++) {
    const qid = `${queryid}-${page}`;
    const after = ids.length > 0 ? [xml("after", {}, ids[ids.length - 1]!)] : [];
    await user.send(xml("iq", { to, type: "set", id: qid }, xml("query", { xmlns: "urn:xmpp:mam:2", queryid: qid }, xml("set", { xmlns: RSM }, xml("max", {}, "250"), ...after))));
    const [answer] = await user.waitFor((s) => s.is("iq", "jabber:client") && s.attrs.id === qid, { timeoutMs: 15_000 });
    for (const s of user.received) {
      const result = s.getChild("result", "urn:xmpp:mam:2");
      if (result?.attrs.queryid === qid) ids.push(result.attrs.id as string);
    }
    const fin = answer!.getChild("fin", "urn:xmpp:mam:2");
    if (!fin) throw new Error(`MAM page ${page} of ${to} answered without {urn:xmpp:mam:2}fin: ${answer!.toString()}`);
    if (fin.attrs.complete === "true") return { ids, count: Number(fin.getChild("set", RSM)?.getChildText("count", RSM)) };
  }
}

const RSM = "http://jabber.org/protocol/rsm";

export { xml };
