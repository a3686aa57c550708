// The reference is complete: every field of every schema in /openapi.json has a
// description, and every route an example. A new field or route without one fails here,
// named, so the docs, /docs and the CLI help never fall silent about it.
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { createApp } from "../../api/app";
import { exampleFor, referenceDocument } from "../../api/openapi-examples";

type Json = Record<string, unknown>;
const app = createApp();
const document = referenceDocument(app) as Json;
const components = ((document.components as Json).schemas ?? {}) as Record<string, Json>;

/** `where` of every property (and parameter) that has no description of its own or its $ref's. */
function undescribed(schema: unknown, where: string, seen = new Set<unknown>()): string[] {
  if (!schema || typeof schema !== "object" || seen.has(schema)) return [];
  seen.add(schema);
  const node = schema as Json;
  const missing: string[] = [];
  for (const [name, property] of Object.entries((node.properties as Json | undefined) ?? {})) {
    if (!describedAt(property)) missing.push(`${where}.${name}`);
    missing.push(...undescribed(property, `${where}.${name}`, seen));
  }
  for (const key of ["items", "additionalProperties"]) missing.push(...undescribed(node[key], `${where}[]`, seen));
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    for (const [i, option] of ((node[key] as unknown[] | undefined) ?? []).entries()) {
      missing.push(...undescribed(option, `${where}<${i}>`, seen));
    }
  }
  return missing;
}

function describedAt(property: unknown): boolean {
  const node = property as Json;
  if (typeof node.description === "string" && node.description.length > 0) return true;
  const ref = typeof node.$ref === "string" ? components[node.$ref.replace("#/components/schemas/", "")] : undefined;
  if (ref && typeof ref.description === "string" && ref.description.length > 0) return true;
  // A $ref with its own description comes as `allOf: [{$ref}, {description}]`; a nullable one as a union with null.
  const options = (node.anyOf ?? node.oneOf ?? node.allOf) as unknown[] | undefined;
  return !!options && options.some((option) => (option as Json).type !== "null" && describedAt(option));
}

const operations = Object.entries((document.paths ?? {}) as Record<string, Record<string, Json>>).flatMap(
  ([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation })),
);

describe("the reference (/openapi.json)", () => {
  it("describes every field of every schema", () => {
    const missing = Object.entries(components).flatMap(([name, schema]) => undescribed(schema, name));
    for (const { route, operation } of operations) {
      for (const parameter of (operation.parameters as Json[] | undefined) ?? []) {
        if (!parameter.description && !describedAt(parameter.schema))
          missing.push(`${route} ${parameter.in} parameter ${parameter.name}`);
      }
      const body = (operation.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
      for (const [type, media] of Object.entries(body ?? {}))
        missing.push(...undescribed(media.schema, `${route} body (${type})`));
      for (const [status, response] of Object.entries((operation.responses as Record<string, Json>) ?? {})) {
        for (const media of Object.values((response.content as Record<string, Json> | undefined) ?? {})) {
          missing.push(...undescribed(media.schema, `${route} ${status}`));
        }
      }
    }
    expect(missing, `fields without a description:\n${missing.join("\n")}`).toEqual([]);
  });

  it("has an example for every route", () => {
    const missing = operations
      .filter(({ operation }) => {
        const responses = Object.entries((operation.responses as Record<string, Json>) ?? {});
        const success = responses.find(([status]) => status.startsWith("2") || status.startsWith("3"));
        const media = Object.values(((success?.[1] as Json | undefined)?.content as Record<string, Json>) ?? {});
        const body = Object.values(
          ((operation.requestBody as Json | undefined)?.content as Record<string, Json>) ?? {},
        );
        const needs = [...media, ...body];
        // A route with no request body and an empty answer (a 204) is its own example; its path is the call.
        return needs.length > 0 && !needs.some((m) => m.example !== undefined || m.examples !== undefined);
      })
      .map(({ route }) => route);
    expect(missing, `routes without an example:\n${missing.join("\n")}`).toEqual([]);
  });

  it("has examples that parse with the route's own schemas", () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const definition of app.openAPIRegistry.definitions) {
      if (definition.type !== "route") continue;
      const { method, path, request, responses } = definition.route;
      const example = exampleFor(method, path);
      const route = `${method.toUpperCase()} ${path}`;
      const body = request?.body?.content["application/json"];
      if (body && "schema" in body && example?.request !== undefined) {
        checked++;
        const parsed = (body.schema as z.ZodType).safeParse(example.request);
        if (!parsed.success) wrong.push(`${route} request: ${parsed.error.message}`);
      }
      const success = Object.entries(responses).find(([status]) => /^2/.test(status))?.[1];
      const media = success && "content" in success ? success.content?.["application/json"] : undefined;
      if (media && "schema" in media && example?.response !== undefined) {
        checked++;
        const parsed = (media.schema as z.ZodType).safeParse(example.response);
        if (!parsed.success) wrong.push(`${route} response: ${parsed.error.message}`);
      }
    }
    expect(wrong, wrong.join("\n")).toEqual([]);
    expect(checked).toBeGreaterThan(25);
  });

  it("counts what it checked", () => {
    expect(operations.length).toBeGreaterThan(20);
    expect(Object.keys(components).length).toBeGreaterThan(10);
  });
});
