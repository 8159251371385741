// Type tests for the generated endpoint map: checked by `tsc --noEmit` in `npm test`. Each
// `@ts-expect-error` must stay an error, so a looser generated type fails the check.
import type { DataOf, EndpointId, ParamsOf, PagedEndpointId, WriteEndpointId } from "../src/generated/endpoints.generated.js";

const ok = <E extends EndpointId>(_id: E, _params: ParamsOf<E>): void => {};

ok("get_conversation", { websiteID: "w", sessionID: "s" });
ok("list_conversations", { websiteID: "w", query: { per_page: 20, filter_unread: true, search_query: [{ model: "session" }] } });
ok("list_conversations", { websiteID: "w", pageNumber: 2 });
ok("change_conversation_state", { websiteID: "w", sessionID: "s", body: { state: "resolved" } });
ok("send_message_in_conversation", { websiteID: "w", sessionID: "s", body: { type: "note", from: "operator", origin: "chat", content: "hi" } });
ok("resolve_helpdesk_tree_path", { websiteID: "w", locale: "en", contentType: "article", path: ["a", "b"] });
ok("check_website_exists", { query: { domain: "example.com" } });
ok("list_accounts", {});

// @ts-expect-error a required path id is required
ok("get_conversation", { websiteID: "w" });
// @ts-expect-error unknown params are refused
ok("get_conversation", { websiteID: "w", sessionID: "s", sesionID: "s" });
// @ts-expect-error unknown query params are refused
ok("list_conversations", { websiteID: "w", query: { filter_unred: true } });
// @ts-expect-error flags are booleans or 1/0
ok("list_conversations", { websiteID: "w", query: { filter_unread: "yes" } });
// @ts-expect-error a fields body takes only its fields
ok("change_conversation_state", { websiteID: "w", sessionID: "s", body: { stat: "resolved" } });
// @ts-expect-error an object body is required
ok("send_message_in_conversation", { websiteID: "w", sessionID: "s" });
// @ts-expect-error reads take no body
ok("get_conversation", { websiteID: "w", sessionID: "s", body: {} });
// @ts-expect-error a required query param is required
ok("check_website_exists", { query: {} });
// @ts-expect-error not an endpoint
ok("get_conversations_everything", {});

const exists: DataOf<"check_conversation_exists"> = true;
const write: WriteEndpointId = "send_message_in_conversation";
const paged: PagedEndpointId = "list_conversations";
// @ts-expect-error reads are not writes
const notWrite: WriteEndpointId = "get_conversation";
// @ts-expect-error not a page-number list
const notPaged: PagedEndpointId = "get_messages_in_conversation";
export { exists, notPaged, notWrite, paged, write };
