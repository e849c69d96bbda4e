/**
 * Files (research doc §1 "Refs, files"): `/file/create` takes multipart form data (`project_id`,
 * optional `expected_digest`, and the `file` part) and answers its digest; `/file/content` gives
 * the bytes back. Both also answer under `/files/…`, as newer clients call them.
 */
import multipart from '@fastify/multipart';
import {
  bytesDigest,
  Conflict,
  FileContentReq,
  InvalidRequest,
  NotFound,
  PROJECT_ID_PATTERN,
  ProtocolError,
} from '@weft/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TraceStore } from '../../storage/trace-store.js';

/** The form's project_id is not schema-checked (multipart), so it is checked by the same pattern here. */
const PROJECT_ID = new RegExp(PROJECT_ID_PATTERN);

async function readUpload(
  request: FastifyRequest,
): Promise<{ fields: Record<string, string>; file?: { name: string; content: Buffer } }> {
  if (!request.isMultipart())
    throw new InvalidRequest('expected multipart/form-data with project_id and a file part');
  const fields: Record<string, string> = {};
  let file: { name: string; content: Buffer } | undefined;
  try {
    await readParts();
  } catch (error) {
    // Limits come with their own 4xx (413 for a file too large); a malformed body has none.
    if (error instanceof Error && !(error instanceof ProtocolError) && !('statusCode' in error))
      throw new InvalidRequest(`malformed multipart body: ${error.message}`);
    throw error;
  }
  return file ? { fields, file } : { fields };

  async function readParts(): Promise<void> {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || file) {
          await part.toBuffer();
          throw new InvalidRequest('expected exactly one file part, named "file"');
        }
        file = { name: part.filename || 'blob', content: await part.toBuffer() };
      } else if (typeof part.value === 'string') {
        fields[part.fieldname] = part.value;
      }
    }
  }
}

export function registerFileRoutes(app: FastifyInstance, store: TraceStore, maxBytes: number): void {
  void app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: maxBytes, files: 1, fields: 10 } });
    const create = async (request: FastifyRequest) => {
      const { fields, file } = await readUpload(request);
      const projectId = fields.project_id;
      if (!projectId || !PROJECT_ID.test(projectId))
        throw new InvalidRequest('project_id must be "entity/project"');
      if (!file) throw new InvalidRequest('the form has no "file" part');
      const digest = bytesDigest(file.content);
      if (fields.expected_digest && fields.expected_digest !== digest) {
        throw new Conflict(`the file's digest is ${digest}, not the expected ${fields.expected_digest}`);
      }
      await store.createFile(projectId, digest, file.name, file.content);
      return { digest };
    };
    scope.post('/file/create', create);
    scope.post('/files/create', create);
  });
  const content = async (request: FastifyRequest<{ Body: FileContentReq }>, reply: FastifyReply) => {
    const found = await store.readFile(request.body.project_id, request.body.digest);
    if (!found)
      throw new NotFound(`file ${request.body.digest} not found in project ${request.body.project_id}`);
    return reply.type('application/octet-stream').send(Buffer.from(found.content));
  };
  app.post('/file/content', { schema: { body: FileContentReq } }, content);
  app.post('/files/content', { schema: { body: FileContentReq } }, content);
}
