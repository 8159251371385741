// `crisp-kit serve grants list|revoke`: the OAuth grants apps hold, from the state file beside the
// keys file (or Redis, with --redis). A revoked grant's tokens stop working within a second on
// every gateway reading that state.
import { parseArgs } from "node:util";
import { UsageError } from "../../internal/flags.js";
import { FileStore, type GrantRecord, type OAuthStore, RedisStore, type RedisLike } from "./store.js";

/** The OAuth state file beside a keys file: `keys.json` -> `keys.grants.json`. */
export function grantsPathOf(keysPath: string): string {
  return keysPath.endsWith(".json") ? `${keysPath.slice(0, -".json".length)}.grants.json` : `${keysPath}.grants.json`;
}

export async function runGrants(argv: string[], connect: (url: string) => Promise<RedisLike & { quit?: () => unknown; close?: () => unknown }>): Promise<void> {
  const [action, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    allowPositionals: false,
    options: {
      keys: { type: "string" },
      grants: { type: "string" },
      redis: { type: "string" },
      id: { type: "string" },
      key: { type: "string" },
      client: { type: "string" },
      all: { type: "boolean" },
      json: { type: "boolean" },
    },
  });
  if (action !== "list" && action !== "revoke") throw new UsageError(`grants takes list or revoke, got \`${action ?? ""}\``);
  const redisUrl = values.redis ?? null;
  const path = values.grants ?? (values.keys ? grantsPathOf(values.keys) : null);
  if (!redisUrl && !path) throw new UsageError("grants needs --keys FILE (the state is beside it), --grants FILE, or --redis URL");
  const redis = redisUrl ? await connect(redisUrl) : null;
  const store: OAuthStore = redis ? new RedisStore(redis) : new FileStore(path);
  try {
    const grants = (await store.list<GrantRecord>("grants")).map(([, g]) => g).sort((a, b) => a.created.localeCompare(b.created));
    if (action === "list") {
      if (values.json) process.stdout.write(`${JSON.stringify(grants, (k, v) => (k === "keyHash" ? undefined : v), 2)}\n`);
      else if (grants.length === 0) process.stderr.write("crisp-kit serve: no grants\n");
      else {
        for (const g of grants) {
          process.stdout.write(
            `${g.id}  ${g.scope.padEnd(5)} key ${g.keyName.padEnd(16)} ${JSON.stringify(g.clientName)}  accounts: ${g.accounts?.join(",") ?? "all"}, since ${g.created}${g.lastRefresh ? `, refreshed ${g.lastRefresh}` : ""}\n`,
          );
        }
      }
      return;
    }
    const chosen = [values.id, values.key, values.client, values.all].filter((v) => v !== undefined).length;
    if (chosen !== 1) throw new UsageError("grants revoke takes one of --id ID, --key NAME (every grant made with that key), --client CLIENT_ID, --all");
    const doomed = grants.filter((g) => values.all || g.id === values.id || g.keyName === values.key || g.clientId === values.client);
    if (doomed.length === 0) throw new UsageError("no grant matches");
    for (const g of doomed) await store.del("grants", g.id);
    process.stderr.write(`crisp-kit serve: ${doomed.length} grant(s) revoked: ${doomed.map((g) => g.id).join(", ")}\n`);
  } finally {
    if (redis) await (redis.quit ?? redis.close)?.call(redis);
  }
}
