// What one gateway key may see and call, beside its scope: its accounts, its websites, and its
// endpoints (the destructive ones refused unless the key names them in --allow; --deny refuses
// more). Decided here, once, for the REST proxy, the MCP tools it is shown, and `_endpoints`.
import type { AccountInfo, CrispOptions, EndpointInfo } from "../index.js";
import { destructive } from "../mcp/annotations.js";
import type { KeyRecord } from "./keys.js";

/** A refusal of one call by the key's policy: 403 `forbidden`, naming the parameter at fault. */
export interface PolicyRefusal {
  param: "account" | "websiteID" | "endpoint";
  message: string;
}

/** The name of the endpoint's path parameter that is a website id (the catalog's path kind `website`), or null. */
export function websiteParam(e: EndpointInfo): string | null {
  const at = e.path_kinds.indexOf("website");
  return at >= 0 ? (e.path_params[at] ?? null) : null;
}

/** Whether the key restricts anything beyond its scope (such a key gets its own view of the tools). */
export function restricted(key: KeyRecord): boolean {
  return key.accounts !== null || key.websites !== null || key.allow !== null || key.deny !== null;
}

/**
 * Why the key may not call the endpoint at all, or null. A key limited to websites may call only
 * endpoints with a website in their path (and the client-local `list_accounts`, filtered): the
 * others (user-tier and plugin-level endpoints: create a website, list every website a plugin is
 * installed on...) reach beyond any one website.
 */
export function endpointRefusal(key: KeyRecord, e: EndpointInfo): string | null {
  if (key.deny?.includes(e.id)) return `the key \`${key.name}\` may not call ${e.id} (its --deny list)`;
  if (destructive(e) && !key.allow?.includes(e.id)) {
    return `${e.id} is destructive and the key \`${key.name}\` does not name it in --allow (destructive endpoints are refused unless allowed)`;
  }
  if (key.websites !== null && e.method !== null && websiteParam(e) === null) {
    return `${e.id} (${e.method} ${e.path}) has no website in its path and the key \`${key.name}\` is limited to some websites`;
  }
  return null;
}

/** Whether a key with no restriction but its scope is shown the endpoint (the destructive ones are refused to it). */
export function shownToEveryKey(e: EndpointInfo): boolean {
  return !destructive(e);
}

/** Whether the key's tool lists show the endpoint. */
export function shows(key: KeyRecord, e: EndpointInfo): boolean {
  return endpointRefusal(key, e) === null;
}

/**
 * Checks one call before anything is sent: the endpoint, the account (`given`, or the gateway's
 * default) and the website (the `websiteID` given, or the account's own).
 */
export function refusal(
  key: KeyRecord,
  e: EndpointInfo,
  given: string | undefined,
  defaultAccount: string,
  params: Readonly<Record<string, unknown>>,
  accounts: readonly AccountInfo[],
): PolicyRefusal | null {
  const denied = endpointRefusal(key, e);
  if (denied) return { param: "endpoint", message: `${denied}: nothing was sent` };
  const account = given ?? defaultAccount;
  if (key.accounts && !key.accounts.includes(account) && e.id !== "list_accounts") {
    // The default account is not named to a key that may not use it.
    const which = given === undefined ? "the default account (pass `account`: list_accounts lists yours)" : `the account \`${account}\``;
    return { param: "account", message: `${e.id}: the key \`${key.name}\` may not use ${which}: nothing was sent` };
  }
  const param = websiteParam(e);
  if (key.websites && param) {
    const given = params[param];
    const website = given === undefined || given === null || given === "" ? (accounts.find((a) => a.id === account)?.websiteId ?? null) : String(given);
    if (website === null || !key.websites.includes(website)) {
      const which = given === undefined || given === null || given === "" ? `the account's website${website ? "" : " (none configured)"}` : `the website \`${website}\``;
      return { param: "websiteID", message: `${e.id}: the key \`${key.name}\` may not use ${which}: nothing was sent` };
    }
  }
  return null;
}

/** The accounts the key may know of, each with its website only if the key may use it. */
export function visibleAccounts(key: KeyRecord, accounts: readonly AccountInfo[]): AccountInfo[] {
  return accounts
    .filter((a) => !key.accounts || key.accounts.includes(a.id))
    .map((a) => (key.websites && a.websiteId !== null && !key.websites.includes(a.websiteId) ? { ...a, websiteId: null } : a));
}

/**
 * The client options a restricted key's tools are built from: only its accounts, and only the
 * websites it may use as their defaults; so its tool schemas, descriptions and `list_accounts`
 * name nothing else. The default account stays the gateway's when the key may use it.
 */
export function keyOptions(options: CrispOptions, key: KeyRecord, defaultAccount: string | null): { options: CrispOptions; defaultAccount: string | null } {
  const website = (w: string | undefined) => (w !== undefined && key.websites && !key.websites.includes(w) ? undefined : w);
  const may = (id: string) => !key.accounts || key.accounts.includes(id);
  const accounts: NonNullable<CrispOptions["accounts"]> = {};
  for (const [id, a] of Object.entries(options.accounts ?? {})) {
    if (a && may(id)) accounts[id] = { ...a, websiteId: website(a.websiteId) } as typeof a;
  }
  const { identifier, key: secret, websiteId, accounts: _all, defaultAccount: _default, ...rest } = options;
  const view: CrispOptions = { ...rest, accounts };
  if (may("default") && identifier !== undefined) Object.assign(view, { identifier, key: secret, websiteId: website(websiteId) });
  const names = [...(view.identifier !== undefined ? ["default"] : []), ...Object.keys(accounts)];
  const chosen = defaultAccount !== null && names.includes(defaultAccount) ? defaultAccount : (names[0] ?? null);
  if (chosen !== null && chosen !== "default") view.defaultAccount = chosen;
  return { options: view, defaultAccount: chosen };
}
