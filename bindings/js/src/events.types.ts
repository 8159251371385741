// The payload of each real-time event, by name. Until the generated map of the shapes file lands
// (issue 14), every event is typed by what all of them share.
export interface CrispEventPayload {
  website_id: string;
  [field: string]: unknown;
}
export type CrispEventMap = Record<string, CrispEventPayload>;
