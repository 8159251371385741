// The people toolset: find contacts, one contact with their data and history, and update one.
import {
  ArgError,
  arr,
  bool,
  clean,
  decodeCursor,
  DRY_RUN,
  encodeCursor,
  excerpt,
  fit,
  hints,
  int,
  iso,
  type Json,
  type JsonSchema,
  obj,
  peopleId,
  personUrl,
  planned,
  REQUESTS_SCHEMA,
  str,
  strList,
  type TaskApi,
  type TaskTool,
  text,
} from "./common.js";
import { CONVERSATION_ITEM, conversationItem } from "./inbox.js";

const PERSON_ITEM: JsonSchema = {
  type: "object",
  properties: {
    id: { type: "string", description: "The person's id (people_id)." },
    name: { type: "string" },
    email: { type: "string" },
    phone: { type: "string" },
    company: { type: "string" },
    title: { type: "string" },
    location: { type: "string" },
    segments: { type: "array", items: { type: "string" } },
    last_active: { type: "string" },
    created: { type: "string" },
    url: { type: "string", description: "The contact in Crisp's dashboard." },
  },
  required: ["id", "url"],
};

export function personItem(p: Json, websiteId: string): Json {
  const person = obj(p.person);
  const geo = obj(person.geolocation);
  return clean({
    id: p.people_id,
    name: text(person.nickname),
    email: text(p.email),
    phone: text(person.phone),
    company: text(obj(p.company).name) ?? text(obj(person.employment).name),
    title: text(obj(person.employment).title),
    location: [text(geo.city), text(geo.country)].filter(Boolean).join(", "),
    segments: arr(p.segments),
    last_active: iso(obj(p.active).last),
    created: iso(p.created_at),
    url: personUrl(websiteId, String(p.people_id)),
  });
}

const PER_PAGE = 20;

const findPeople: TaskTool = {
  toolset: "people",
  write: false,
  tool: {
    name: "crisp_find_people",
    title: "Find Crisp contacts",
    description:
      "Find contacts (people profiles) by text in their name, email or company, and/or by segment, in one call: id, name, email, phone, company, " +
      "location, segments, last activity and a dashboard link each. Then crisp_person for one contact's data and conversations.",
    inputSchema: {
      type: "object",
      properties: {
        query: { type: "string", description: "Text in the name, email or company, e.g. `acme` or `emma.martin@`." },
        segment: { type: "string", description: "Only people in this segment, e.g. vip." },
        limit: { type: "integer", minimum: 1, maximum: 50, description: "The most people (default 20)." },
        cursor: { type: "string", description: "From the previous answer, to continue the same list." },
      },
      additionalProperties: false,
    },
    outputSchema: {
      type: "object",
      properties: {
        count: { type: "integer" },
        people: { type: "array", items: PERSON_ITEM },
        cursor: { type: "string" },
      },
      required: ["count", "people"],
    },
    annotations: hints("Find Crisp contacts", false),
  },
  async run(args, api) {
    const q = str(args, "query");
    const segment = str(args, "segment");
    const limit = int(args, "limit", 20, 1, 50);
    const cursor = decodeCursor(args, "crisp_find_people");
    const query: Json = { per_page: Math.max(PER_PAGE, Math.min(50, limit)) };
    if (q) query.search_text = q;
    if (segment) query.search_filter = [{ criterion: "segments", operator: "has", query: [segment] }];
    const per = query.per_page as number;
    const start = typeof cursor?.s === "number" ? cursor.s : 0;
    const page = Math.floor(start / per) + 1;
    const skip = start % per;
    const items = arr(await api.call("list_people_profiles", { pageNumber: page, query })).map(obj);
    let rows = items.slice(skip, skip + limit);
    let more = skip + rows.length < items.length || items.length === per;
    if (rows.length < limit && items.length === per) {
      const nextPage = arr(await api.call("list_people_profiles", { pageNumber: page + 1, query })).map(obj);
      rows = rows.concat(nextPage.slice(0, limit - rows.length));
      more = nextPage.length > limit - (items.length - skip) || nextPage.length === per;
    }
    const { kept, cut } = fit(rows.map((p) => personItem(p, api.websiteId)), api.settings.maxResultBytes);
    return clean({
      count: kept.length,
      people: kept,
      cursor: more || cut ? encodeCursor("crisp_find_people", { s: start + kept.length }) : undefined,
    }) as Json;
  },
};

const personTool: TaskTool = {
  toolset: "people",
  write: false,
  tool: {
    name: "crisp_person",
    title: "A Crisp contact: profile, data and conversations",
    description:
      "One contact in one call: profile (name, email, phone, company, location, segments, notepad), custom data (plan, MRR, ...), recent events and " +
      "their recent conversations (subject, state, last message, link). Give `person_id`, or an `email` to look the person up.",
    inputSchema: {
      type: "object",
      properties: {
        person_id: { type: "string", description: "The people_id (or person:<id>, as search returns)." },
        email: { type: "string", description: "The contact's email, when the id is not known." },
        conversations: { type: "integer", minimum: 0, maximum: 20, description: "How many recent conversations (default 5)." },
      },
      additionalProperties: false,
    },
    outputSchema: {
      type: "object",
      properties: {
        ...(PERSON_ITEM.properties as Json),
        notepad: { type: "string" },
        data: { type: "object", description: "The person's custom data." },
        events: { type: "array", items: { type: "object", properties: { at: { type: "string" }, text: { type: "string" } } } },
        conversations: { type: "array", items: CONVERSATION_ITEM },
        more_conversations: { type: "boolean" },
      },
      required: ["id", "url"],
    },
    annotations: hints("A Crisp contact: profile, data and conversations", false),
  },
  async run(args, api) {
    const n = int(args, "conversations", 5, 0, 20);
    let id: string;
    if (args.person_id !== undefined) id = peopleId(args, "person_id");
    else {
      const email = str(args, "email");
      if (!email) throw new ArgError("give `person_id`, or `email` to look the person up");
      const hits = arr(await api.call("list_people_profiles", { pageNumber: 1, query: { search_text: email } })).map(obj);
      const exact = hits.filter((p) => String(p.email ?? "").toLowerCase() === email.toLowerCase());
      const one = exact[0] ?? (hits.length === 1 ? hits[0] : undefined);
      if (!one) {
        throw new ArgError(
          hits.length ? `\`email\`: ${hits.length} people match ${JSON.stringify(email)} but none exactly; use crisp_find_people` : `\`email\`: nobody has the email ${JSON.stringify(email)}`,
        );
      }
      id = String(one.people_id);
    }
    return personDetails(api, id, n);
  },
};

export async function personDetails(api: TaskApi, id: string, n: number): Promise<Json> {
  const [p, d, events, ids] = await Promise.all([
    api.call("get_people_profile", { peopleID: id }),
    api.call("get_people_data", { peopleID: id }),
    api.call("list_people_events", { peopleID: id, pageNumber: 1 }),
    n > 0 ? api.call("list_people_conversations", { peopleID: id, pageNumber: 1 }) : Promise.resolve([]),
  ]);
  const list = arr(ids).filter((x) => typeof x === "string") as string[];
  const convs = (await Promise.all(list.slice(0, n).map((s) => api.call("get_conversation", { sessionID: s })))).map(obj);
  const profile = obj(p);
  return clean({
    ...personItem(profile, api.websiteId),
    notepad: excerpt(profile.notepad, 2000),
    data: obj(obj(d).data),
    events: arr(events)
      .slice(0, 10)
      .map(obj)
      .map((e) => clean({ at: iso(e.timestamp), text: text(e.text) })),
    conversations: convs.map((c) => conversationItem(c, api.websiteId, new Map())),
    more_conversations: list.length > n ? true : undefined,
  }) as Json;
}

const updatePerson: TaskTool = {
  toolset: "people",
  write: true,
  tool: {
    name: "crisp_update_person",
    title: "Update a Crisp contact",
    description:
      "WRITES: updates one contact in one call: name, email, phone, company, segments (replace all), notepad, and custom data (merged: keys given are set, " +
      "others kept). Only the fields given change. Sent once, never retried. dry_run: true shows exactly what would be sent and sends nothing.",
    inputSchema: {
      type: "object",
      properties: {
        person_id: { type: "string", description: "The people_id (or person:<id>)." },
        name: { type: "string" },
        email: { type: "string" },
        phone: { type: "string" },
        company: { type: "string" },
        segments: { type: "array", items: { type: "string" }, description: "The person's segments, replacing the current ones." },
        notepad: { type: "string" },
        data: { type: "object", additionalProperties: { type: ["string", "number", "boolean"] }, description: "Custom data to set, e.g. {\"plan\": \"pro\"}." },
        dry_run: DRY_RUN,
      },
      required: ["person_id"],
      additionalProperties: false,
    },
    outputSchema: {
      type: "object",
      properties: {
        sent: { type: "boolean" },
        dry_run: { type: "boolean" },
        person_id: { type: "string" },
        applied: { type: "array", items: { type: "string" } },
        url: { type: "string" },
        requests: REQUESTS_SCHEMA,
      },
      required: ["sent"],
    },
    annotations: hints("Update a Crisp contact", true, true, true),
  },
  async run(args, api) {
    const id = peopleId(args, "person_id");
    const name = str(args, "name");
    const email = str(args, "email");
    const phone = str(args, "phone");
    const company = str(args, "company");
    const notepad = typeof args.notepad === "string" ? args.notepad : args.notepad === undefined ? undefined : (() => {
      throw new ArgError("`notepad` must be a string");
    })();
    const segments = strList(args, "segments");
    if (email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw new ArgError(`\`email\` must be an email address, got ${JSON.stringify(email)}`);
    let data: Json | undefined;
    if (args.data !== undefined) {
      data = obj(args.data);
      if (args.data === null || typeof args.data !== "object" || Array.isArray(args.data)) throw new ArgError("`data` must be an object of custom data");
      for (const [k, v] of Object.entries(data)) {
        if (!["string", "number", "boolean"].includes(typeof v)) throw new ArgError(`\`data.${k}\` must be a string, number or boolean`);
      }
    }
    const profile: Json = clean({
      email,
      person: clean({ nickname: name, phone }),
      company: company ? { name: company } : undefined,
      notepad,
    });
    if (segments) profile.segments = segments;
    const steps: { id: "update_people_profile" | "update_people_data"; params: Json; what: string }[] = [];
    if (Object.keys(profile).length) steps.push({ id: "update_people_profile", params: { peopleID: id, body: profile }, what: `profile: ${Object.keys(profile).join(", ")}` });
    if (data && Object.keys(data).length) steps.push({ id: "update_people_data", params: { peopleID: id, body: { data } }, what: `data: ${Object.keys(data).join(", ")}` });
    if (!steps.length) throw new ArgError("nothing to change: give name, email, phone, company, segments, notepad or data");
    if (bool(args, "dry_run")) return planned(steps.map((s) => api.build(s.id, s.params)));
    for (const s of steps) api.build(s.id, s.params);
    const applied: string[] = [];
    for (const s of steps) {
      try {
        await api.call(s.id, s.params);
      } catch (e) {
        throw new Error(`${s.id} failed (${s.what}): ${e instanceof Error ? e.message : String(e)}\napplied before it: ${applied.join("; ") || "nothing"}`);
      }
      applied.push(s.what);
    }
    return { sent: true, person_id: id, applied, url: personUrl(api.websiteId, id) };
  },
};

export const PEOPLE_TOOLS: TaskTool[] = [findPeople, personTool, updatePerson];
