// Which avatar URLs the panel loads. A visitor (or whoever writes a profile through the API) sets
// their own avatar URL: loading it from any host would tell that host the operator's IP address and
// when they looked at the conversation. So the panel loads avatars only from the hosts Crisp serves
// them from (image-hosts.json: image.crisp.chat, Crisp's image proxy and avatar service;
// storage.crisp.chat, where uploaded avatars live) and `data:` images, and shows initials for any
// other. The manifest's `img-src` (extension/build.mjs) lists the same hosts, so that an image
// from elsewhere is refused by the browser too.
import IMAGE_HOSTS from "./image-hosts.json";

const ORIGINS: readonly string[] = IMAGE_HOSTS;
// A raster image inline; SVG is left out (an SVG avatar is never needed, and it is a document).
const DATA_IMAGE = /^data:image\/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}$/;

/** The URL to load for an avatar, or null to show initials instead: the one place this is decided. */
export function avatarSrc(url: unknown): string | null {
  if (typeof url !== "string" || url === "") return null;
  if (url.startsWith("data:")) return DATA_IMAGE.test(url) ? url : null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== "https:" || parsed.username || parsed.password) return null;
  return ORIGINS.includes(parsed.origin) ? parsed.href : null;
}
