// The consent page: plain HTML, no script, no external asset. Its CSP allows only its own inline
// style (by hash), forms posted to itself (and the redirect that follows, to the client's
// callback), and no framing at all (`frame-ancestors 'none'`, with X-Frame-Options DENY for older
// browsers).
import { createHash } from "node:crypto";

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1c1c1c}
h1{font-size:1.3rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{font-weight:600}dd{margin:0;word-break:break-all}
.err{background:#fdecea;border:1px solid #e0b4b4;padding:.6rem .8rem;border-radius:4px}
label{display:block;margin:1rem 0 .3rem;font-weight:600}input[type=password]{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}
.row{display:flex;gap:.6rem;margin-top:1rem}button{padding:.5rem 1.2rem;font:inherit;cursor:pointer}small{color:#555}`;
const STYLE_HASH = createHash("sha256").update(STYLE).digest("base64");

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The CSP source that lets the form's redirect reach the client's callback (Chromium checks form-action on it). */
function callbackSource(redirectUri: string | null): string {
  if (!redirectUri) return "";
  try {
    const u = new URL(redirectUri);
    if (u.protocol === "http:" || u.protocol === "https:") return ` ${u.origin}`;
    return /^[a-z][a-z0-9+.-]*:$/.test(u.protocol) ? ` ${u.protocol}` : "";
  } catch {
    return "";
  }
}

export function pageHeaders(redirectUri: string | null = null): Record<string, string> {
  return {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "content-security-policy": `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'${callbackSource(redirectUri)}; frame-ancestors 'none'; base-uri 'none'`,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    // same-origin, not no-referrer: with no-referrer the form post carries `Origin: null`.
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
  };
}

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="same-origin"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export interface ConsentView {
  requestId: string;
  formToken: string;
  clientName: string;
  /** How the client is identified: its metadata URL's host (CIMD), or "registered itself" (DCR). */
  clientIdentity: string;
  redirectHost: string;
  gatewayWrites: boolean;
  wantsWrite: boolean;
  error: string | null;
}

export function consentPage(v: ConsentView): string {
  const can = v.gatewayWrites
    ? v.wantsWrite
      ? "Read your Crisp data (conversations, contacts, settings) through this gateway, and, if the key you paste has the write scope, change it (send messages, edit conversations and contacts). A read key gives read access only."
      : "Read your Crisp data (conversations, contacts, settings) through this gateway. It cannot change anything: it asked for read access."
    : "Read your Crisp data (conversations, contacts, settings) through this gateway. It cannot change anything: this gateway is read-only.";
  return layout(
    "Allow access to Crisp",
    `<h1>Allow <q>${escapeHtml(v.clientName)}</q> to use this Crisp gateway?</h1>
${v.error ? `<p class="err" role="alert">${escapeHtml(v.error)}</p>` : ""}
<dl><dt>App</dt><dd>${escapeHtml(v.clientName)} <small>(${escapeHtml(v.clientIdentity)})</small></dd>
<dt>Returns to</dt><dd>${escapeHtml(v.redirectHost)}</dd>
<dt>It may</dt><dd>${escapeHtml(can)}</dd>
<dt>Accounts</dt><dd>Those of the key you paste, no others.</dd></dl>
<p>Only continue if you started this from that app. Paste a gateway key made with <code>crisp-kit serve keys add</code>: the app gets that key's scope and accounts, never more, until the grant is revoked (<code>crisp-kit serve grants revoke</code>) or the key is removed. The key itself is not given to the app.</p>
<form method="post" action="consent" autocomplete="off">
<input type="hidden" name="request" value="${escapeHtml(v.requestId)}"><input type="hidden" name="form_token" value="${escapeHtml(v.formToken)}">
<label for="key">Gateway key</label><input type="password" id="key" name="key" autocomplete="off" spellcheck="false" required>
<div class="row"><button type="submit" name="action" value="approve">Allow</button><button type="submit" name="action" value="deny" formnovalidate>Deny</button></div>
</form>`,
  );
}

export function messagePage(title: string, text: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>`);
}
