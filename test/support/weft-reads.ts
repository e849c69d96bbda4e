/**
 * Reading what an official client logged straight from weft's HTTP API (objects, op source files,
 * tables, refs), with the checks every read deserves: a 200, the object that was asked for, and
 * file bytes that hash to the digest the client computed for them.
 */
import { createHash } from 'node:crypto';
import { parseRef } from '@weft/protocol';
import { expect } from 'vitest';
import { postJson } from './weft-server.js';

export interface ObjSchema {
  object_id: string;
  digest: string;
  kind: 'op' | 'object';
  base_object_class: string | null;
  val: Record<string, unknown>;
}

export interface WeftReader {
  /** POSTs JSON and requires a 200. */
  post<T>(path: string, body: unknown): Promise<T>;
  /** /obj/read of an op or object ref. */
  readObject(uri: string): Promise<ObjSchema>;
  /** The op object an `op_name` ref points at, and the `obj.py` source file it names. */
  readOp(opRef: string): Promise<{ obj: ObjSchema; source: string }>;
  /** /refs/read_batch. */
  readRefs(refs: string[]): Promise<unknown[]>;
  /** Every row of a table, in order. */
  tableRows(tableRef: string): Promise<Array<{ digest: string; val: unknown }>>;
}

/** Weave's file digest: sha256, base64url with `-`→`X` and `_`→`Y`, no padding. */
export function fileDigest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64url').replaceAll('-', 'X').replaceAll('_', 'Y');
}

/** The object id in an op or object ref (`…/op/<name>:<digest>`); '' for other strings. */
export function objectName(uri: string): string {
  if (!uri.startsWith('weave:///')) return '';
  const ref = parseRef(uri);
  return ref.kind === 'op' || ref.kind === 'object' ? ref.name : '';
}

/** A call's op name without its project and digest (`Evaluation.evaluate`). */
export function callName(call: { op_name: string }): string {
  return objectName(call.op_name);
}

/** A call's `summary.weave.status` as weft derived it. */
export function callStatus(call: { summary?: Record<string, unknown> | null }): string | undefined {
  return (call.summary?.weave as { status?: string } | undefined)?.status;
}

/** The Authorization header of an API key, as the SDKs send it; none without a key. */
export function authHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Basic ${Buffer.from(`api:${apiKey}`).toString('base64')}` } : {};
}

export function weftReader(serverUrl: string, options: { apiKey?: string } = {}): WeftReader {
  const headers = authHeaders(options.apiKey);
  async function post<T>(path: string, body: unknown): Promise<T> {
    const res = await postJson(serverUrl, path, body, { headers });
    expect(res.status, `${path} ${JSON.stringify(body)} → ${JSON.stringify(res.body)}`).toBe(200);
    return res.body as T;
  }

  async function readObject(uri: string): Promise<ObjSchema> {
    const ref = parseRef(uri);
    if (ref.kind !== 'op' && ref.kind !== 'object') throw new Error(`not an object or op ref: ${uri}`);
    const { obj } = await post<{ obj: ObjSchema }>('/obj/read', {
      project_id: `${ref.entity}/${ref.project}`,
      object_id: ref.name,
      digest: ref.digest,
    });
    expect(obj).toMatchObject({ object_id: ref.name, digest: ref.digest, kind: ref.kind });
    return obj;
  }

  async function readOp(opRef: string): Promise<{ obj: ObjSchema; source: string }> {
    const ref = parseRef(opRef);
    expect(ref.kind).toBe('op');
    const obj = await readObject(opRef);
    expect(obj.val).toMatchObject({ _type: 'CustomWeaveType', weave_type: { type: 'Op' } });
    const digest = (obj.val.files as Record<string, string>)['obj.py'];
    expect(digest).toMatch(/^[A-Za-z0-9]{43}$/);
    const res = await fetch(`${serverUrl}/file/content`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ project_id: `${ref.entity}/${ref.project}`, digest }),
    });
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(fileDigest(bytes)).toBe(digest);
    return { obj, source: bytes.toString('utf8') };
  }

  async function readRefs(refs: string[]): Promise<unknown[]> {
    const { vals } = await post<{ vals: unknown[] }>('/refs/read_batch', { refs });
    expect(vals).toHaveLength(refs.length);
    return vals;
  }

  async function tableRows(tableRef: string): Promise<Array<{ digest: string; val: unknown }>> {
    const ref = parseRef(tableRef);
    if (ref.kind !== 'table') throw new Error(`not a table ref: ${tableRef}`);
    const { rows } = await post<{ rows: Array<{ digest: string; val: unknown }> }>('/table/query', {
      project_id: `${ref.entity}/${ref.project}`,
      digest: ref.digest,
    });
    return rows;
  }

  return { post, readObject, readOp, readRefs, tableRows };
}
