// Accounts and settings. An account record (label, identifier, tier, website, API base URL) is kept
// in local storage; its key is kept apart, in session storage (memory only) unless the user ticked
// "remember on this device". Keys are read only to build a client and never put in the UI again.
import type { Host } from "./host.js";

export type Tier = "user" | "website" | "plugin";

export interface Account {
  id: string;
  label: string;
  identifier: string;
  tier: Tier;
  /** The website this account serves; empty: any website (a user token). */
  websiteId: string;
  baseUrl: string;
  /** The key is stored in local storage too (persists across browser restarts). */
  remember: boolean;
}

export interface Settings {
  /** Ask before every write (default on). */
  confirmWrites: boolean;
  /** Refuse every write, in the UI and in crisp-kit (default off). */
  readOnly: boolean;
  /** Seconds between refreshes while the panel is visible. */
  refreshSeconds: number;
}

export const DEFAULT_BASE_URL = "https://api.crisp.chat/v1/";
export const DEFAULT_SETTINGS: Settings = { confirmWrites: true, readOnly: false, refreshSeconds: 15 };

type Keys = Record<string, string>;

export class AccountStore {
  constructor(private readonly host: Host) {}

  async list(): Promise<Account[]> {
    return (await this.host.local.get<Account[]>("accounts")) ?? [];
  }

  async settings(): Promise<Settings> {
    return { ...DEFAULT_SETTINGS, ...(await this.host.local.get<Partial<Settings>>("settings")) };
  }

  async saveSettings(settings: Settings): Promise<void> {
    await this.host.local.set("settings", settings);
  }

  /** Whether a key is available for the account (it may be gone after a browser restart). */
  async hasKey(id: string): Promise<boolean> {
    return (await this.key(id)) !== undefined;
  }

  /** The account's key, for building a client only. */
  async key(id: string): Promise<string | undefined> {
    const session = (await this.host.session.get<Keys>("keys")) ?? {};
    if (session[id]) return session[id];
    const local = (await this.host.local.get<Keys>("keys")) ?? {};
    return local[id];
  }

  /** Adds or updates an account; `key` undefined keeps the stored one. */
  async save(account: Account, key: string | undefined): Promise<void> {
    const accounts = await this.list();
    const at = accounts.findIndex((a) => a.id === account.id);
    if (at >= 0) accounts[at] = account;
    else accounts.push(account);
    const current = key ?? (await this.key(account.id));
    const session = (await this.host.session.get<Keys>("keys")) ?? {};
    const local = (await this.host.local.get<Keys>("keys")) ?? {};
    delete session[account.id];
    delete local[account.id];
    if (current !== undefined) (account.remember ? local : session)[account.id] = current;
    await this.host.local.set("accounts", accounts);
    await this.host.session.set("keys", session);
    await this.host.local.set("keys", local);
  }

  async remove(id: string): Promise<void> {
    const accounts = (await this.list()).filter((a) => a.id !== id);
    const session = (await this.host.session.get<Keys>("keys")) ?? {};
    const local = (await this.host.local.get<Keys>("keys")) ?? {};
    delete session[id];
    delete local[id];
    await this.host.local.set("accounts", accounts);
    await this.host.session.set("keys", session);
    await this.host.local.set("keys", local);
  }
}

/**
 * The account for a dashboard website: the one set for that website, else one that serves any
 * website (no website id), else none.
 */
export function pickAccount(accounts: Account[], websiteId: string | null): Account | undefined {
  if (websiteId) {
    const exact = accounts.find((a) => a.websiteId === websiteId);
    if (exact) return exact;
  }
  return accounts.find((a) => !a.websiteId) ?? (websiteId ? undefined : accounts[0]);
}

/** A new account id. */
export function newAccountId(): string {
  return `acct-${crypto.randomUUID()}`;
}

/**
 * The origin of an API base URL, or null when it is not https, nor http on this machine (127.0.0.1
 * or localhost, a local sandbox): the extension's CSP (connect-src, extension/build.mjs) lets the
 * panel send its key in clear text to nothing else.
 */
export function apiOrigin(baseUrl: string): string | null {
  try {
    const url = new URL(baseUrl);
    const local = url.hostname === "127.0.0.1" || url.hostname === "localhost";
    return url.protocol === "https:" || (url.protocol === "http:" && local) ? url.origin : null;
  } catch {
    return null;
  }
}
