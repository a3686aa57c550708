// A batch's name and labels: given on submission, shown in its status and the list,
// and the list filtered by label; a bad label is refused naming it.
import { describe, expect, it } from "vitest";
import type { BatchView, ErrorResponse } from "../support/api-types";
import { api, json, ORIGIN, unique } from "./helpers";

interface ListedBatch {
  id: string;
  name: string | null;
  labels: string[];
}

async function create(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await api("/v1/batches", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await json<BatchView & ErrorResponse>(response) };
}

async function listed(query: string): Promise<ListedBatch[]> {
  const response = await api(`/v1/batches?limit=100${query}`);
  expect(response.status).toBe(200);
  return (await json<{ batches: ListedBatch[] }>(response)).batches;
}

describe("batch names and labels", () => {
  it("shows them in the answer, the status and the list, and filters the list by label", async () => {
    const team = `team:${unique("tags")}`;
    const named = await create({
      urls: [`${ORIGIN}/pages/1.html?t=${team}`],
      name: "  Nightly shop  ",
      labels: [team, "nightly", team],
    });
    expect(named.status).toBe(202);
    expect(named.body).toMatchObject({ name: "Nightly shop", labels: ["nightly", team] });
    const plain = await create({ urls: [`${ORIGIN}/pages/2.html?t=${team}`] });
    expect(plain.body).toMatchObject({ name: null, labels: [] });

    const status = await json<BatchView>(await api(`/v1/batches/${named.body.id}`));
    expect(status).toMatchObject({ name: "Nightly shop", labels: ["nightly", team].sort() });

    const all = await listed("");
    expect(all.find((b) => b.id === named.body.id)).toMatchObject({ name: "Nightly shop" });
    expect(all.find((b) => b.id === plain.body.id)).toMatchObject({ name: null, labels: [] });
    const filtered = await listed(`&label=${encodeURIComponent(team)}`);
    expect(filtered.map((b) => b.id)).toEqual([named.body.id]);
    expect(await listed(`&label=${encodeURIComponent(`${team},nightly`)}`)).toHaveLength(1);
    expect(await listed(`&label=${encodeURIComponent(`${team},absent`)}`)).toHaveLength(0);
  });

  it("takes them as query parameters with a streamed list", async () => {
    const team = `team:${unique("tags")}`;
    const response = await api(`/v1/batches?name=Streamed&labels=${encodeURIComponent(`${team},csv`)}`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: `${ORIGIN}/pages/3.html?t=${team}\n`,
    });
    expect(response.status).toBe(202);
    expect(await json<BatchView>(response)).toMatchObject({ name: "Streamed", labels: ["csv", team].sort() });
  });

  it("keeps the first submission's tags on an idempotent replay", async () => {
    const key = unique("tags");
    const first = await create(
      { urls: [`${ORIGIN}/pages/4.html?k=${key}`], name: "first" },
      { "idempotency-key": key },
    );
    const again = await create(
      { urls: [`${ORIGIN}/pages/4.html?k=${key}`], name: "second" },
      { "idempotency-key": key },
    );
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.name).toBe("first");
  });

  it("refuses a bad label or an empty name, naming the field", async () => {
    const bad = await create({ urls: [`${ORIGIN}/pages/5.html`], labels: ["ok", "has space"] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]?.field).toBe("labels[1]");
    const empty = await create({ urls: [`${ORIGIN}/pages/5.html`], name: " " });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details[0]?.field).toBe("name");
    const filter = await api("/v1/batches?label=has%20space");
    expect(filter.status).toBe(400);
    expect((await json<ErrorResponse>(filter)).error.message).toMatch(/^label/);
  });
});
