// End-to-end: the real extension build in a real headless browser, beside a stand-in
// app.crisp.chat, against the real sandbox. CRISP_KIT_BROWSER picks the browser: chromium (the
// default; the chrome build) or firefox (the firefox build; `npm run test:firefox`). The scenarios
// are the same for both (scenarios.mjs).
import { launch } from "./harness.mjs";
import { extensionSuite } from "./scenarios.mjs";

const browser = process.env.CRISP_KIT_BROWSER ?? "chromium";
extensionSuite((options) => launch({ ...options, browser }), browser);
