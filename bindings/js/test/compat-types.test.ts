// Type tests for crisp-kit/compat: its methods keep crisp-api's names, argument order and
// optionality, and are typed from the catalog (what each argument becomes, what the endpoint
// answers), so a switch from crisp-api gains types instead of `Promise<any>`. Checked by
// `tsc --noEmit` in `npm test`; each `@ts-expect-error` must stay an error.
import type Crisp from "../src/compat.js";
import type { Conversation, ConversationMessageDispatched, PeopleProfile } from "../src/public.js";

declare const client: Crisp;

export async function typedAnswers(): Promise<void> {
  const conversation: Conversation = await client.website.getConversation("website", "session");
  // @ts-expect-error the answer is a Conversation, not `any`
  const wrong: string = await client.website.getConversation("website", "session");
  const sent: ConversationMessageDispatched = await client.website.sendMessageInConversation("website", "session", {
    type: "text",
    from: "operator",
    origin: "chat",
    content: "Hello",
  });
  const exists: boolean = await client.website.checkPeopleProfileExists("website", "jane@example.com");
  const profile: PeopleProfile = await client.website.getPeopleProfile("website", "people");
  void [conversation, wrong, sent, exists, profile];
}

export async function typedArguments(): Promise<void> {
  // @ts-expect-error getConversation takes the website and the session
  await client.website.getConversation("website");
  // @ts-expect-error a message body needs its type
  await client.website.sendMessageInConversation("website", "session", { from: "operator", origin: "chat", content: "x" });
  // @ts-expect-error a conversation state is one of Crisp's three
  await client.website.changeConversationState("website", "session", "closed");
  await client.website.changeConversationState("website", "session", "resolved");
  // @ts-expect-error no such method on the official client
  await client.website.getConversations("website");
}
