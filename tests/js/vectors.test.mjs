// The shared JSON vectors through the JS package (the napi addon by default; CRISP_KIT_BACKEND
// picks another). Each request vector is sent through `call` with a capturing fetch, so what is
// checked is exactly what reaches the transport, key included; refusals must never reach it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadKit, vectors } from "./support.mjs";

const { Crisp, CrispError } = await loadKit();
const requests = vectors("requests.json");
const responses = vectors("responses.json");

function capture(answer = { status: 200, body: '{"error":false,"reason":"resolved","data":{}}', headers: {} }) {
  const seen = [];
  const fetch = async (url, init) => {
    seen.push({ url, init });
    return new Response(answer.status === 204 ? null : answer.body, { status: answer.status, headers: answer.headers });
  };
  return { seen, fetch };
}

function clientFor(c, fetch) {
  const config = c.config ? { ...c.config, accounts: requests.config.accounts } : requests.config;
  return new Crisp({ ...config, fetch, retry: { retries: 0 } });
}

test("request vectors: what reaches fetch is exactly the expected request", async () => {
  let checked = 0;
  for (const c of requests.cases) {
    const { seen, fetch } = capture();
    const crisp = clientFor(c, fetch);
    const call = crisp.call(c.endpoint, c.params, c.options);
    if (c.error?.code === "client_local") {
      // The core has no request for it; the JS client answers it itself, keys left out.
      const accounts = await call;
      assert.deepEqual(accounts.map((a) => a.id).sort(), ["default", "eu"]);
      assert.ok(!JSON.stringify(accounts).includes(requests.config.key));
      assert.equal(seen.length, 0);
    } else if (c.request) {
      await call;
      assert.equal(seen.length, 1, c.name);
      const { url, init } = seen[0];
      assert.deepEqual(
        { method: init.method, url, headers: init.headers, body: init.body ?? null },
        c.request,
        c.name,
      );
      // The dry run shows the same request with the key hidden.
      const preview = crisp.buildRequest(c.endpoint, c.params, c.options);
      assert.equal(preview.url, c.request.url, c.name);
      assert.equal(preview.headers.Authorization, "Basic [redacted]", c.name);
      assert.ok(preview.curl.startsWith(`curl -X ${c.request.method} `) && preview.curl.includes("Authorization: Basic [redacted]"), c.name);
      assert.ok(!preview.curl.includes(requests.config.key), c.name);
    } else {
      await assert.rejects(call, (e) => {
        assert.ok(e instanceof CrispError, c.name);
        assert.equal(e.code, c.error.code, `${c.name}: ${e.message}`);
        if (c.error.param) assert.equal(e.param, c.error.param, c.name);
        assert.ok(!e.message.includes(requests.config.key), c.name);
        return true;
      });
      assert.equal(seen.length, 0, `${c.name}: a refused call must send nothing`);
    }
    checked++;
  }
  assert.equal(checked, requests.cases.length);
});

test("response vectors: data, or one CrispError with the same fields", async () => {
  const paramsFor = Object.fromEntries(
    requests.cases.filter((c) => c.name.endsWith(": every parameter")).map((c) => [c.endpoint, c.params]),
  );
  for (const c of responses.cases) {
    const { fetch } = capture(c);
    const crisp = new Crisp({ ...requests.config, fetch, retry: { retries: 0 } });
    const call = crisp.call(c.endpoint, paramsFor[c.endpoint]);
    if (c.error) {
      await assert.rejects(call, (e) => {
        assert.ok(e instanceof CrispError);
        for (const [k, v] of Object.entries(c.error)) {
          if (k === "messageContains") assert.ok(e.message.includes(v), `${c.name}: ${e.message}`);
          else assert.deepEqual(e[k], v, `${c.name}: ${k}`);
        }
        return true;
      });
    } else {
      assert.deepEqual(await call, c.data, c.name);
    }
  }
});

test("the catalog reaches JS whole", () => {
  const all = Crisp.endpoints();
  assert.equal(all.length, 265);
  const send = all.find((e) => e.id === "send_message_in_conversation");
  assert.equal(send.method, "POST");
  assert.equal(send.write, true);
  assert.ok(all.filter((e) => e.deprecated).length === 35);
});

test("a body in several chunks, cut inside a character, reads as the same answer", async () => {
  const answer = { error: false, reason: "resolved", data: { note: "café ".repeat(4000), n: 1 } };
  const bytes = new TextEncoder().encode(JSON.stringify(answer));
  const inside = bytes.indexOf(0xc3) + 1; // between the two bytes of the first "é"
  const cuts = [0, inside, inside + 7001, bytes.length];
  const streamed = (chunk) => async () => {
    const response = new Response(
      new ReadableStream({
        start(controller) {
          for (let i = 1; i < cuts.length; i++) controller.enqueue(chunk(bytes.slice(cuts[i - 1], cuts[i])));
          controller.close();
        },
      }),
      { status: 200 },
    );
    // The stream is what is read: one more copy of the whole body is what it avoids.
    response.arrayBuffer = () => Promise.reject(new Error("read through arrayBuffer()"));
    return response;
  };
  const client = (fetch) => new Crisp({ ...requests.config, fetch, retry: { retries: 0 } });
  assert.deepEqual(await client(streamed((b) => b)).call("get_conversation", { sessionID: "s" }), answer.data);
  // A polyfill's chunks as other views or ArrayBuffers are bytes too; text is refused, not read as nothing.
  assert.deepEqual(await client(streamed((b) => new DataView(b.buffer))).call("get_conversation", { sessionID: "s" }), answer.data);
  assert.deepEqual(await client(streamed((b) => b.buffer)).call("get_conversation", { sessionID: "s" }), answer.data);
  await assert.rejects(client(streamed((b) => new TextDecoder().decode(b))).call("get_conversation", { sessionID: "s" }), (e) => {
    assert.ok(e instanceof CrispError);
    assert.equal(e.code, "network");
    assert.match(e.message, /gave text, not bytes/);
    return true;
  });
  // A fetch whose answer has no web stream (node-fetch's shape) is read whole.
  const legacy = async () => ({ status: 200, headers: new Headers(), body: {}, arrayBuffer: async () => bytes.slice().buffer });
  assert.deepEqual(await client(legacy).call("get_conversation", { sessionID: "s" }), answer.data);
});
