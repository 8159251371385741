// The explorer's body form, generated from an endpoint's body schema (shapes.ts): one field per known
// property, enums as selects, a message type picker for unions discriminated by `type`, and a JSON
// field for whatever has no simple input (nested objects, arrays, mixed types). This module turns
// schemas into fields and fields into the body that is sent; Explorer.tsx draws them.
import type { ShapeSchema } from "./shapes.js";

export type Types = Record<string, ShapeSchema>;
export type FieldKind = "text" | "number" | "integer" | "checkbox" | "boolean" | "enum" | "json";
export interface Field {
  name: string;
  kind: FieldKind;
  required: boolean;
  /** What the schema says, in a few words ("string", "integer", "object", "array of string"). */
  type: string;
  options: string[];
}
/** One shape the body can take: its fields, and for a variant of a union, its `type` value. */
export interface Variant {
  tag: string | null;
  fields: Field[];
}
/** The form for one body: no variants means no form (the raw JSON editor only). */
export interface BodyForm {
  discriminator: string | null;
  variants: Variant[];
}
export type FieldValues = Record<string, string | boolean>;

export function deref(schema: ShapeSchema | undefined, types: Types, depth = 0): ShapeSchema {
  if (!schema) return {};
  const ref = typeof schema.$ref === "string" ? schema.$ref.replace(/^#\/types\//, "") : null;
  if (ref && depth < 16) return deref(types[ref], types, depth + 1);
  return schema;
}

function describe(s: ShapeSchema, types: Types): string {
  if (Array.isArray(s.type)) return s.type.join(" or ");
  if (s.type === "array") {
    const items = deref(s.items as ShapeSchema | undefined, types);
    return `array of ${typeof items.type === "string" ? items.type : "values"}`;
  }
  if (typeof s.type === "string") return s.type;
  return s.anyOf ? "one of several shapes" : "any JSON";
}

function field(name: string, raw: ShapeSchema, required: boolean, types: Types): Field {
  const s = deref(raw, types);
  const type = describe(s, types);
  const base = { name, required, type, options: [] as string[] };
  if (Array.isArray(s.enum) && s.enum.every((v) => typeof v === "string")) return { ...base, kind: "enum", options: s.enum as string[] };
  if (s.type === "string") return { ...base, kind: "text" };
  if (s.type === "integer") return { ...base, kind: "integer" };
  if (s.type === "number") return { ...base, kind: "number" };
  // A checkbox cannot say "not set": optional booleans are a three-way select.
  if (s.type === "boolean") return { ...base, kind: required ? "checkbox" : "boolean" };
  return { ...base, kind: "json" };
}

function objectFields(s: ShapeSchema, types: Types, skip: string | null): Field[] | null {
  if (s.type !== "object" || !s.properties || typeof s.properties !== "object") return null;
  const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
  const props = Object.entries(s.properties as Record<string, ShapeSchema>).filter(([name]) => name !== skip);
  // Required fields first, each group in the schema's order.
  props.sort(([a], [b]) => Number(required.has(b)) - Number(required.has(a)));
  return props.map(([name, p]) => field(name, p, required.has(name), types));
}

/** The `type` values a union member takes: its `type` property's enum of strings. */
function tagsOf(s: ShapeSchema, types: Types): string[] | null {
  const props = s.properties as Record<string, ShapeSchema> | undefined;
  const t = props?.type ? deref(props.type, types) : null;
  return t && Array.isArray(t.enum) && t.enum.length > 0 && t.enum.every((v) => typeof v === "string") ? (t.enum as string[]) : null;
}

/** The form for a body schema, or null when the schema gives no object to fill (the JSON editor then). */
export function bodyForm(schema: ShapeSchema | null | undefined, types: Types): BodyForm | null {
  if (!schema) return null;
  const s = deref(schema, types);
  if (Array.isArray(s.anyOf)) {
    // One choice per `type` value; a value two members share (a text message's type may also be
    // "note") picks the member made for that value alone.
    const chosen = new Map<string, { fields: Field[]; width: number }>();
    for (const member of s.anyOf as ShapeSchema[]) {
      const m = deref(member, types);
      const tags = tagsOf(m, types);
      const fields = objectFields(m, types, "type");
      if (!tags || !fields) return null;
      for (const tag of tags) {
        const before = chosen.get(tag);
        if (!before || tags.length < before.width) chosen.set(tag, { fields, width: tags.length });
      }
    }
    const variants = [...chosen].map(([tag, { fields }]) => ({ tag, fields }));
    return variants.length ? { discriminator: "type", variants } : null;
  }
  const fields = objectFields(s, types, null);
  return fields ? { discriminator: null, variants: [{ tag: null, fields }] } : null;
}

/**
 * The body the form describes, or the first problem naming the field (`body.content`). Empty
 * optional fields are left out, never sent as null or "". `extra` holds keys the form has no field
 * for (from the raw JSON editor); they are sent as they are.
 */
export function formBody(form: BodyForm, tag: string | null, values: FieldValues, extra: Record<string, unknown>): { body: Record<string, unknown> } | { problem: string } {
  const variant = form.variants.find((v) => v.tag === tag) ?? form.variants[0]!;
  const body: Record<string, unknown> = {};
  if (form.discriminator && variant.tag !== null) body[form.discriminator] = variant.tag;
  for (const f of variant.fields) {
    const v = values[f.name];
    if (f.kind === "checkbox") {
      body[f.name] = v === true;
      continue;
    }
    const text = typeof v === "string" ? v : "";
    if (text.trim() === "") continue;
    switch (f.kind) {
      case "text":
      case "enum":
        body[f.name] = text;
        break;
      case "boolean":
        body[f.name] = text === "true";
        break;
      case "integer":
      case "number": {
        const n = Number(text.trim());
        if (!Number.isFinite(n) || (f.kind === "integer" && !Number.isInteger(n))) return { problem: `body.${f.name} must be ${f.kind === "integer" ? "a whole number" : "a number"}` };
        body[f.name] = n;
        break;
      }
      case "json":
        try {
          body[f.name] = JSON.parse(text);
        } catch (error) {
          return { problem: `body.${f.name} is not valid JSON (${(error as Error).message})` };
        }
    }
  }
  for (const [k, v] of Object.entries(extra)) if (!(k in body)) body[k] = v;
  return { body };
}

/** The form's state for a body (from the raw JSON editor): the variant, the field values, and what has no field. */
export function formValues(form: BodyForm, body: unknown): { tag: string | null; values: FieldValues; extra: Record<string, unknown> } | null {
  if (!body || typeof body !== "object" || Array.isArray(body)) return null;
  const obj = body as Record<string, unknown>;
  let variant = form.variants[0]!;
  if (form.discriminator) {
    const found = form.variants.find((v) => v.tag === obj[form.discriminator!]);
    if (!found) return null;
    variant = found;
  }
  const values: FieldValues = {};
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === form.discriminator) continue;
    const f = variant.fields.find((x) => x.name === k);
    if (!f || v === null || v === undefined) {
      if (v !== null && v !== undefined) extra[k] = v;
      continue;
    }
    // A value of another type than the field's is kept as it is (the core's body check judges it).
    const fits =
      f.kind === "json" ||
      (f.kind === "checkbox" || f.kind === "boolean" ? typeof v === "boolean" : f.kind === "number" || f.kind === "integer" ? typeof v === "number" : typeof v === "string" && (f.kind !== "enum" || f.options.includes(v)));
    if (!fits) extra[k] = v;
    else if (f.kind === "checkbox") values[k] = v as boolean;
    else if (f.kind === "json") values[k] = JSON.stringify(v, null, 2);
    else values[k] = String(v);
  }
  return { tag: variant.tag, values, extra };
}
