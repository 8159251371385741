// Which redirect URIs a client may register (DCR) or declare (CIMD): https; http on a loopback
// host, any port (RFC 8252 7.3: the port is matched loosely at authorization, by the SDK); a
// private-use scheme of a native app (cursor://, vscode://); nothing else. No fragment, no
// credentials, at most 10 of them, each at most 2000 characters.
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
/** Schemes that are never an app's callback: they run code, read files, or leave the browser for another protocol. */
const REFUSED_SCHEMES = new Set(["javascript:", "data:", "vbscript:", "file:", "blob:", "about:", "filesystem:", "ftp:", "ws:", "wss:", "mailto:", "tel:", "sms:", "view-source:", "intent:"]);

export const MAX_REDIRECT_URIS = 10;

/** Why a redirect URI is refused, or null. */
export function redirectUriProblem(uri: string): string | null {
  if (uri.length > 2000) return "a redirect URI is longer than 2000 characters";
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `redirect URI ${JSON.stringify(uri.slice(0, 100))} is not a URL`;
  }
  if (url.hash || uri.includes("#")) return `redirect URI ${uri} has a fragment`;
  if (url.username || url.password) return `redirect URI ${uri} carries credentials`;
  if (url.protocol === "https:") return url.hostname ? null : `redirect URI ${uri} has no host`;
  if (url.protocol === "http:") {
    return LOOPBACK_HOSTS.has(url.hostname) ? null : `redirect URI ${uri}: http is allowed only on a loopback host (localhost, 127.0.0.1, [::1]); use https`;
  }
  if (REFUSED_SCHEMES.has(url.protocol)) return `redirect URI ${uri}: the ${url.protocol} scheme is not a callback`;
  // A private-use scheme (RFC 8252 7.1): letters first, then letters, digits, + . -
  if (!/^[a-z][a-z0-9+.-]*:$/.test(url.protocol)) return `redirect URI ${uri}: not a valid scheme`;
  return null;
}

export function checkRedirectUris(uris: string[]): string | null {
  if (uris.length === 0) return "redirect_uris is empty";
  if (uris.length > MAX_REDIRECT_URIS) return `at most ${MAX_REDIRECT_URIS} redirect_uris`;
  for (const u of uris) {
    const p = redirectUriProblem(u);
    if (p) return p;
  }
  return null;
}

export const READ_SCOPE = "crisp.read";
export const WRITE_SCOPE = "crisp.write";

/** The scope string of a grant: write includes read. */
export function scopeString(scope: "read" | "write"): string {
  return scope === "write" ? `${READ_SCOPE} ${WRITE_SCOPE}` : READ_SCOPE;
}
