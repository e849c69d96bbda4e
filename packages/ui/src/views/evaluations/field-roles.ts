/**
 * Which dataset fields are the model's inputs and which are only the scorers' (the expected
 * values), read from one row's model call. The Python SDK calls the model with the fields its
 * signature names (`question=<row ref>/key/question`), so the fields it was given are the inputs
 * and the rest are expected values. The npm SDK hands the model the whole row (`{datasetRow}`),
 * which says nothing about the fields: then there is no split, and the views show every field
 * as "Example".
 */
import type { CallSchema } from '@weft/protocol';
import { parseRef } from '@weft/protocol/refs';

export interface FieldRoles {
  inputs: string[];
  expected: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The model's call among a row's children: the call of the model op, or a method of the model object. */
export function findModelCall(
  children: readonly CallSchema[],
  modelRef: string | undefined,
): CallSchema | undefined {
  if (!modelRef) return undefined;
  return children.find((call) => call.op_name === modelRef || call.inputs.self === modelRef);
}

/** The field a row ref's `/key/<field>` names, when `value` is a ref into the example row. */
function fieldOfRef(value: unknown, exampleRef: string | undefined): string | undefined {
  if (!exampleRef || typeof value !== 'string' || !value.startsWith(`${exampleRef}/key/`)) return undefined;
  try {
    const extra = parseRef(value).extra;
    const exampleDepth = parseRef(exampleRef).extra.length;
    const part = extra[exampleDepth];
    return part?.edge === 'key' && extra.length === exampleDepth + 1 ? part.value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The split of `fields`, or undefined when the model call does not show which fields it read
 * (it got the whole row, or no field at all).
 */
export function fieldRoles(
  fields: readonly string[],
  modelCall: Pick<CallSchema, 'inputs'> | undefined,
  exampleRef: string | undefined,
): FieldRoles | undefined {
  if (!modelCall || fields.length === 0) return undefined;
  const known = new Set(fields);
  const read = new Set<string>();
  for (const [name, value] of Object.entries(modelCall.inputs)) {
    const viaRef = fieldOfRef(value, exampleRef);
    if (viaRef !== undefined && known.has(viaRef)) read.add(viaRef);
    else if (known.has(name) && !isRecord(value)) read.add(name);
  }
  if (read.size === 0) return undefined;
  return {
    inputs: fields.filter((field) => read.has(field)),
    expected: fields.filter((field) => !read.has(field)),
  };
}
