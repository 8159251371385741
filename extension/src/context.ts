// What the open dashboard tab is showing, read from its URL alone (the dashboard is a single-page
// app; its routes are documented in shared/reference/CRISP_API.md):
//   https://app.crisp.chat/website/{website_id}/inbox/{session_id}/           a conversation
//   https://app.crisp.chat/website/{website_id}/contacts/profile/{people_id}/ a contact
// Anything else is "no conversation".

export type DashboardContext =
  | { kind: "conversation"; websiteId: string; sessionId: string; url: string }
  | { kind: "contact"; websiteId: string; peopleId: string; url: string }
  | { kind: "none"; websiteId: string | null; url: string | null };

export const DASHBOARD_ORIGIN = "https://app.crisp.chat";

const SEGMENT = "([^/?#]+)";
const CONVERSATION = new RegExp(`^/website/${SEGMENT}/inbox/(session_[^/?#]+)/?$`);
const CONTACT = new RegExp(`^/website/${SEGMENT}/contacts/profile/${SEGMENT}/?$`);
const WEBSITE = new RegExp(`^/website/${SEGMENT}(?:/|$)`);

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Reads a dashboard URL. Only https://app.crisp.chat counts; a malformed URL is "none". */
export function parseDashboardUrl(raw: string | null | undefined): DashboardContext {
  if (!raw) return { kind: "none", websiteId: null, url: null };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { kind: "none", websiteId: null, url: null };
  }
  if (url.origin !== DASHBOARD_ORIGIN) return { kind: "none", websiteId: null, url: null };
  const path = url.pathname;
  let m = CONVERSATION.exec(path);
  if (m) {
    const websiteId = decode(m[1]!);
    const sessionId = decode(m[2]!);
    if (websiteId && sessionId) return { kind: "conversation", websiteId, sessionId, url: url.href };
  }
  m = CONTACT.exec(path);
  if (m) {
    const websiteId = decode(m[1]!);
    const peopleId = decode(m[2]!);
    if (websiteId && peopleId) return { kind: "contact", websiteId, peopleId, url: url.href };
  }
  m = WEBSITE.exec(path);
  return { kind: "none", websiteId: m ? decode(m[1]!) : null, url: url.href };
}

/** The dashboard URL of a conversation. */
export function conversationUrl(websiteId: string, sessionId: string): string {
  return `${DASHBOARD_ORIGIN}/website/${encodeURIComponent(websiteId)}/inbox/${encodeURIComponent(sessionId)}/`;
}

/** The dashboard URL of a contact. */
export function contactUrl(websiteId: string, peopleId: string): string {
  return `${DASHBOARD_ORIGIN}/website/${encodeURIComponent(websiteId)}/contacts/profile/${encodeURIComponent(peopleId)}/`;
}

/** A stable key: two contexts with the same key show the same thing. */
export function contextKey(c: DashboardContext): string {
  if (c.kind === "conversation") return `c:${c.websiteId}:${c.sessionId}`;
  if (c.kind === "contact") return `p:${c.websiteId}:${c.peopleId}`;
  return `n:${c.websiteId ?? ""}`;
}
