// Markdown to safe HTML, for helpdesk articles (written by the website's own team, but still text
// from the API): `marked` renders, DOMPurify keeps only plain formatting tags, and links survive
// only with an http(s) or mailto URL, opened in a new tab without an opener. Loaded lazily (about
// 30 KB gzipped), the first time an article is previewed. Messages never come here: what a
// visitor writes is shown as text, never as HTML.
import DOMPurify from "dompurify";
import { Marked } from "marked";

const marked = new Marked({ gfm: true, breaks: false, async: false });

const ALLOWED_TAGS = ["a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul"];
const SAFE_URL = /^(?:https?:|mailto:)/i;

const purify = DOMPurify(window);
purify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName !== "A") return;
  const href = node.getAttribute("href") ?? "";
  if (!SAFE_URL.test(href.trim())) {
    node.removeAttribute("href");
    return;
  }
  node.setAttribute("target", "_blank");
  node.setAttribute("rel", "noopener noreferrer");
});

/** Markdown as HTML that holds no script, no style, no image, no form and no unsafe link. */
export function renderMarkdown(text: string): string {
  const html = marked.parse(text) as string;
  return purify.sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR: ["href", "title"], ALLOW_DATA_ATTR: false });
}
