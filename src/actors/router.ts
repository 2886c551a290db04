/**
 * Routing of incoming stanzas: checks addresses, resolves the user's session and the room
 * actor, and hands the stanza on. Stanzas of one user to one room keep their arrival order,
 * even while the session or the room is still being created. Every iq get/set is answered,
 * and nothing here throws. It lives with the actors because it knows the registry and the sessions;
 * the transport only hands it each stanza (`createGateway` wires the two).
 */
import type { Element } from "@xmpp/component";
import { handleComponentStanza } from "./componentInbox.js";
import { handleContactIq } from "./contactInbox.js";
import { isPromise } from "../store/eitherStore.js";
import type { RoomRegistry } from "./registry.js";
import { handleRoomStanza } from "./roomInbox.js";
import type { SessionDirectory } from "./sessions.js";
import { XMPPError, toStanzaError } from "../protocol/xmppError.js";
import type { LegacySession } from "../legacy/LegacySession.js";
import { invite, isInvitation, readInvitation } from "./invitations.js";
import type { RoomActor } from "./RoomActor.js";
import { NS } from "../protocol/namespaces.js";
import { type StanzaErrorData, errorReply, iqResult, isRequestIq } from "../protocol/rfc6120.js";
import { parsePrivilege } from "../protocol/xep0356.js";
import type { IqCaller } from "../transport/iqCaller.js";
import type { Privileges } from "../transport/privileges.js";
import { splitJid } from "../protocol/rfc7622.js";
import { hasEnded, isStopped } from "../machines/roomStatus.js";
import { isTooBigToEcho, tooBigError } from "../protocol/stanzaSize.js";
import { MAX_NESTING, nestsDeeperThan } from "../protocol/nesting.js";

/** What the router needs. */
export interface RouterContext {
  domain: string;
  /** Answers to the iqs the gateway sent. */
  iqCaller?: IqCaller;
  /** Where servers' XEP-0356 privilege advertisements go. */
  privileges?: Privileges;
  name: string;
  sessions: SessionDirectory;
  registry: RoomRegistry;
  send(stanza: Element): void;
  onError(error: unknown): void;
  /**
   * The gateway's `maxStanzaBytes`: a user's stanza whose echo could exceed it is refused here
   * (`policy-violation`), before any room or plugin sees it. None: no check.
   */
  maxStanzaBytes?: number;
  /**
   * The gateway's `ownership`: a user's stanzas wait until this process owns the user, or get
   * the error it answers. None: every user is served.
   */
  ownership?: { owns(user: string): boolean; admit(user: string): Promise<StanzaErrorData | undefined> };
}

type Parts = NonNullable<ReturnType<typeof splitJid>>;

/** Creates the function that routes each incoming stanza. */
export function createRouter(context: RouterContext): (stanza: Element) => void {
  const chains = new Map<string, Promise<void>>();
  const domain = context.domain.toLowerCase();

  const replyError = (stanza: Element, error: StanzaErrorData) => {
    if (stanza.attrs.type === "error") return;
    if (stanza.name === "iq" && !isRequestIq(stanza)) return;
    context.send(errorReply(stanza, error));
  };

  const dispatch = (stanza: Element, from: Parts, to: Parts, session: LegacySession | null, resolved?: RoomActor) => {
    if (!session) {
      replyError(stanza, { condition: "registration-required", text: "You are not allowed to use this gateway" });
      return;
    }
    if (isInvitation(stanza)) {
      void inviteContact(stanza, session).catch((error) => fail(stanza, error));
      return;
    }
    if (!to.local) {
      void handleComponentStanza(stanza, { session, registry: context.registry, domain, name: context.name }, context.send)
        .catch((error) => fail(stanza, error));
      return;
    }
    const room = resolved ?? context.registry.peek(session.user, `${to.local}@${domain}`);
    if (!room || isStopped(room.snapshot) || hasEnded(room.snapshot)) {
      // Passivated, destroyed or left between lookup and delivery: the next activation gets the
      // stanza (an ended actor would never answer it), or the plugin's refusal to create the room.
      void slow(stanza, from, to, session.user).catch((error) => fail(stanza, error));
      return;
    }
    handleRoomStanza(room, stanza, { resource: from.resource, nick: to.resource }, context.send);
  };

  const fail = (stanza: Element, error: unknown) => {
    context.onError(error);
    replyError(stanza, toStanzaError(error));
  };

  const inviteContact = async (stanza: Element, session: LegacySession) => {
    const invitation = readInvitation(stanza, domain);
    if ("error" in invitation) return replyError(stanza, invitation.error);
    let room: RoomActor;
    try {
      room = await liveRoom(session, invitation.roomLocal);
    } catch (error) {
      return replyError(stanza, { ...toStanzaError(error), by: `${invitation.roomLocal}@${domain}` });
    }
    room.request(stanza, "invite", invite(invitation));
  };

  /**
   * The running actor of room `local`. One that ended or stopped while it was looked up (an ended
   * actor never answers what it is sent) is looked up again, as {@link dispatch} does: a room that
   * ended comes back only if `createRoom` accepts it, else its refusal is the answer.
   */
  const liveRoom = async (session: LegacySession, local: string): Promise<RoomActor> => {
    for (let tries = 0; tries < 3; tries++) {
      const room = await context.registry.get(session, local);
      if (!isStopped(room.snapshot) && !hasEnded(room.snapshot)) return room;
    }
    throw new XMPPError("item-not-found", "This room has ended");
  };

  /** A stanza from a server itself: privilege advertisements, pings. */
  const fromServer = (stanza: Element, from: Parts) => {
    const granted = stanza.name === "message" ? parsePrivilege(stanza) : undefined;
    if (granted) context.privileges?.grant(from.domain, granted);
    else if (isRequestIq(stanza)) {
      const ping = stanza.getChild("ping", NS.PING) && stanza.attrs.type === "get";
      context.send(ping ? iqResult(stanza) : errorReply(stanza, { condition: "service-unavailable" }));
    }
  };

  const slow = async (stanza: Element, from: Parts, to: Parts, user: string) => {
    const session = await context.sessions.get(user);
    let room: RoomActor | undefined;
    if (session && to.local && !isInvitation(stanza)) {
      const jid = `${to.local}@${domain}`;
      const contact = !to.resource && handleContactIq(stanza, { registry: context.registry, user: session.user, jid }, context.send);
      if (isPromise(contact) ? await contact : contact) return;
      try {
        room = await context.registry.get(session, to.local);
      } catch (error) {
        replyError(stanza, { ...toStanzaError(error), by: `${to.local}@${domain}` });
        return;
      }
    }
    dispatch(stanza, from, to, session, room);
  };

  return (stanza: Element) => {
    try {
      if (stanza.name !== "iq" && stanza.name !== "message" && stanza.name !== "presence") return;
      const from = splitJid(stanza.attrs.from);
      const to = splitJid(stanza.attrs.to);
      if (!from || !to || to.domain !== domain) return;
      if (from.domain === domain) return; // never answer ourselves
      if (nestsDeeperThan(stanza)) {
        replyError(stanza, { condition: "policy-violation", text: `Stanzas nested deeper than ${MAX_NESTING} elements are refused` });
        return;
      }
      if (stanza.name === "iq" && !isRequestIq(stanza)) {
        context.iqCaller?.handle(stanza);
        return;
      }
      if (!from.local) return fromServer(stanza, from);
      if (!from.resource) {
        replyError(stanza, { condition: "jid-malformed", text: "Only users' full JIDs can use this gateway" });
        return;
      }
      // The one size check of what users send: nothing too big to echo reaches a room or the plugin.
      const limit = context.maxStanzaBytes;
      if (limit !== undefined && isTooBigToEcho(stanza, limit)) return replyError(stanza, tooBigError(limit));
      const user = `${from.local}@${from.domain}`;
      const key = `${user}\n${to.local}`;
      const chain = chains.get(key);
      // Asked at arrival, before the session: a user's admissions resolve in arrival order.
      const { ownership } = context;
      const admitted = ownership && context.sessions.peek(user) !== null && !ownership.owns(user) ? ownership.admit(user) : undefined;
      if (!chain && !admitted) {
        const session = context.sessions.peek(user);
        const room = session && to.local ? context.registry.peek(user, `${to.local}@${domain}`) : undefined;
        const ready = session === null || (session !== undefined && (!to.local || isInvitation(stanza) || room));
        if (ready) return dispatch(stanza, from, to, session ?? null, room);
      }
      const next: Promise<void> = (chain ?? Promise.resolve())
        .then(() => admitted)
        .then((refusal) => (refusal ? replyError(stanza, refusal) : slow(stanza, from, to, user)))
        .catch((error) => fail(stanza, error))
        .finally(() => {
          if (chains.get(key) === next) chains.delete(key);
        });
      chains.set(key, next);
    } catch (error) {
      fail(stanza, error);
    }
  };
}
