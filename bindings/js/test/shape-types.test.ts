// Type tests for the shapes (reference/crisp-shapes.json, decided in docs/SHAPES.md): what
// `call`, `paginate` and `messages` resolve to, and what bodies they take. Checked by
// `tsc --noEmit` in `npm test`; each `@ts-expect-error` must stay an error, so a looser generated
// type (an `unknown` answer, a `JsonValue` body) fails the check.
import type { Crisp } from "../src/client/crisp.js";
import {
  CRISP_EVENT_NAMES,
  DEFAULT_EVENT_NAMES,
  type BodyOf,
  type Conversation,
  type ConversationMessage,
  type ConversationMessageNew,
  type CrispEventMap,
  type CrispEventName,
  type ItemOf,
  type PeopleProfile,
} from "../src/public.js";

declare const crisp: Crisp<{ identifier: string; key: string; websiteId: string }>;

export async function answers(): Promise<void> {
  const c = await crisp.call("get_conversation", { sessionID: "s" });
  const typed: Conversation = c;
  const email: string | undefined = c.meta?.email;
  // @ts-expect-error a conversation's email is a string
  const emailNumber: number | undefined = c.meta?.email;
  // @ts-expect-error the answer is typed, not `any`: no such field
  c.no_such_field;

  const messages = await crisp.call("get_messages_in_conversation", { sessionID: "s" });
  const fingerprint: number | undefined = messages[0]?.fingerprint;
  // @ts-expect-error fingerprints are numbers
  const fingerprintText: string | undefined = messages[0]?.fingerprint;

  for await (const person of crisp.paginate("list_people_profiles")) {
    const profile: PeopleProfile = person;
    const personEmail: string | undefined = person.email;
    // @ts-expect-error a profile's email is a string
    const personEmailNumber: number | undefined = person.email;
    void [profile, personEmail, personEmailNumber];
  }
  for await (const message of crisp.messages("s")) {
    const m: ConversationMessage = message;
    const fp: number | undefined = message.fingerprint;
    void [m, fp];
  }
  const item: ItemOf<"list_conversations"> = {} as Conversation;
  void [typed, email, emailNumber, fingerprint, fingerprintText, item];
}

export async function bodies(): Promise<void> {
  await crisp.call("send_message_in_conversation", {
    sessionID: "s",
    body: { type: "text", from: "operator", origin: "chat", content: "Hello" },
  });
  await crisp.call("send_message_in_conversation", {
    sessionID: "s",
    body: { type: "file", from: "operator", origin: "chat", content: { name: "a.pdf", url: "https://x/a.pdf", type: "application/pdf" } },
  });
  await crisp.call("send_message_in_conversation", {
    sessionID: "s",
    // @ts-expect-error a text message's content is a string
    body: { type: "text", from: "operator", origin: "chat", content: 42 },
  });
  await crisp.call("send_message_in_conversation", {
    sessionID: "s",
    // @ts-expect-error not a message type
    body: { type: "sticker", from: "operator", origin: "chat", content: "hi" },
  });
  await crisp.call("change_conversation_state", { sessionID: "s", body: { state: "resolved" } });
  // @ts-expect-error "closed" is not a conversation state (pending, unresolved, resolved)
  await crisp.call("change_conversation_state", { sessionID: "s", body: { state: "closed" } });
  // Message bodies are a union discriminated by `type`.
  const body: BodyOf<"send_message_in_conversation"> = { type: "note", from: "operator", origin: "chat", content: "private" };
  void body;
}

export function narrows(message: ConversationMessageNew): string | undefined {
  if (message.type === "file") return message.content.name;
  // @ts-expect-error a text message's content is a string, with no `name`
  if (message.type === "text") return message.content.name;
  return undefined;
}

export function events(): void {
  const names: readonly CrispEventName[] = CRISP_EVENT_NAMES;
  const subscribed: readonly CrispEventName[] = DEFAULT_EVENT_NAMES;
  type Sent = CrispEventMap["message:send"];
  const sent = {} as Sent;
  const website: string | undefined = sent.website_id;
  // @ts-expect-error not an event
  const nope: CrispEventMap["message:sendd"] = sent;
  void [names, subscribed, website, nope];
}
