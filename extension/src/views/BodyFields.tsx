// The explorer's generated body form (the fields of body-form.ts): a type picker for message-like
// unions, one input per known property, required ones marked, JSON fields for nested shapes.
import type { BodyForm, Field, FieldValues } from "../body-form.js";

export function BodyFields({ form, tag, values, extra, onTag, onValues }: { form: BodyForm; tag: string | null; values: FieldValues; extra: Record<string, unknown>; onTag: (tag: string) => void; onValues: (values: FieldValues) => void }) {
  const variant = form.variants.find((v) => v.tag === tag) ?? form.variants[0]!;
  const set = (name: string, value: string | boolean) => onValues({ ...values, [name]: value });
  const extraKeys = Object.keys(extra).filter((k) => !(typeof values[k] === "string" ? values[k] !== "" : values[k] !== undefined));
  return (
    <>
      {form.discriminator && (
        <label>
          <span class="label">
            {form.discriminator} <span class="muted">(picks the shape, required)</span>
          </span>
          <select value={variant.tag ?? ""} onChange={(e) => onTag((e.target as HTMLSelectElement).value)} data-discriminator>
            {form.variants.map((v) => (
              <option value={v.tag ?? ""}>{v.tag}</option>
            ))}
          </select>
        </label>
      )}
      {variant.fields.map((f) => (
        <FieldInput key={`${variant.tag}:${f.name}`} field={f} value={values[f.name]} onChange={(v) => set(f.name, v)} />
      ))}
      {extraKeys.length > 0 && (
        <p class="muted small" data-extra>
          Also sent as written in the raw JSON (no field here): {extraKeys.map((k) => <code>{k}</code>)}
        </p>
      )}
    </>
  );
}

function FieldInput({ field: f, value, onChange }: { field: Field; value: string | boolean | undefined; onChange: (value: string | boolean) => void }) {
  const text = typeof value === "string" ? value : "";
  const label = (
    <span class="label">
      {f.name} <span class="muted">({f.type}{f.required ? ", required" : ""})</span>
    </span>
  );
  if (f.kind === "checkbox") {
    return (
      <label class="check">
        <input type="checkbox" checked={value === true} onChange={(e) => onChange((e.target as HTMLInputElement).checked)} data-field={f.name} />
        {label}
      </label>
    );
  }
  const input = (e: Event) => onChange((e.target as HTMLInputElement).value);
  let control;
  if (f.kind === "enum" || f.kind === "boolean") {
    const options = f.kind === "enum" ? f.options : ["true", "false"];
    control = (
      <select value={text} required={f.required} onChange={input} data-field={f.name}>
        <option value="" disabled={f.required}>
          {f.required ? "(choose)" : "(not set)"}
        </option>
        {options.map((o) => (
          <option value={o}>{o}</option>
        ))}
      </select>
    );
  } else if (f.kind === "json") {
    control = <textarea class="code" rows={3} value={text} required={f.required} spellcheck={false} placeholder="JSON" onInput={input} data-field={f.name} />;
  } else {
    const numeric = f.kind === "number" || f.kind === "integer";
    control = <input value={text} required={f.required} inputMode={numeric ? (f.kind === "integer" ? "numeric" : "decimal") : undefined} onInput={input} data-field={f.name} />;
  }
  return (
    <label>
      {label}
      {control}
    </label>
  );
}
