#!/usr/bin/env node
// Generates the API types from the gateway's OpenAPI schema: `npm run gen:api`.
//   node scripts/gen-api.mjs [OUTPUT]   (default: src/api/schema.d.ts)
// The schema comes from ../scripts/openapi.py (the gateway app built in-process, default
// settings, no server); openapi-typescript turns it into types. GEN_API_PYTHON overrides the
// interpreter (default: the project venv, ../.venv/bin/python).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));
const output = process.argv[2] ?? fileURLToPath(new URL('../src/api/schema.d.ts', import.meta.url));
const python = process.env.GEN_API_PYTHON ?? `${root}.venv/bin/python`;

const HEADER = `/**
 * GENERATED FILE, do not edit: \`npm run gen:api\` writes it from the gateway's OpenAPI schema
 * (scripts/openapi.py + openapi-typescript); scripts/check-generated.sh fails when it is stale.
 * Use the aliases in src/types.ts rather than these names directly.
 */

`;

const schema = JSON.parse(execFileSync(python, [`${root}scripts/openapi.py`], { encoding: 'utf8', maxBuffer: 64 << 20 }));
const ast = await openapiTS(schema);
writeFileSync(output, HEADER + astToString(ast));
process.stdout.write(`API types written to ${output}\n`);
