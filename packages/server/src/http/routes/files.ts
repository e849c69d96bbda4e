/**
 * File routes (docs/protocol.md §11): `/file/create` takes multipart form data
 * (`project_id`, optional `expected_digest`, and the `file` part) and answers its digest;
 * `/file/content` gives the bytes back. Both also answer under `/files/…`, as newer clients call
 * them. This file only reads the form; what the routes do is in `service/files-service.ts`.
 */
import multipart from '@fastify/multipart';
import { FileContentReq, InvalidRequest, ProtocolError } from '@weft/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FilesService, FileUpload } from '../../service/files-service.js';
import { requireProject } from '../access/access-control.js';

/**
 * File parts the parser reads before it gives up on a form. Only one is wanted; the others are
 * read (and dropped) so that the refusal names them and the client sees it after sending its body.
 */
const MAX_FILE_PARTS = 8;

const ONE_FILE = 'expected exactly one file part, named "file"';

/** Reads the form to its end, keeping text fields and the `file` part. */
async function readUpload(request: FastifyRequest): Promise<FileUpload> {
  if (!request.isMultipart())
    throw new InvalidRequest('expected multipart/form-data with project_id and a file part');
  const fields: Record<string, string> = {};
  let file: FileUpload['file'];
  let unexpected: string | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname === 'file' && !file) {
          file = { name: part.filename || 'blob', content: await part.toBuffer() };
          continue;
        }
        unexpected ??=
          part.fieldname === 'file' ? 'a second file part' : `a file part named "${part.fieldname}"`;
        for await (const _chunk of part.file) {
          // Dropped: the form is refused once it has been read.
        }
      } else if (typeof part.value === 'string') {
        fields[part.fieldname] = part.value;
      }
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'FST_FILES_LIMIT')
      throw new InvalidRequest(`${ONE_FILE}; the form has more than ${MAX_FILE_PARTS} file parts`);
    // Other limits come with their own 4xx (413 for a file too large); a malformed body has none.
    if (error instanceof Error && !(error instanceof ProtocolError) && !('statusCode' in error))
      throw new InvalidRequest(`malformed multipart body: ${error.message}`);
    throw error;
  }
  // Weave's route takes one UploadFile named "file" (docs/protocol.md §11); what it does with more
  // is not known, so weft refuses them rather than pick one.
  if (unexpected) throw new InvalidRequest(`${ONE_FILE}; the form has ${unexpected}`);
  return file ? { fields, file } : { fields };
}

export function registerFileRoutes(app: FastifyInstance, files: FilesService, maxBytes: number): void {
  void app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: maxBytes, files: MAX_FILE_PARTS, fields: 10 } });
    const create = async (request: FastifyRequest) => {
      const upload = await readUpload(request);
      // The project is a form field, known only once the form is read (route-access.ts); a form
      // without one is refused by the service before anything is written.
      if (upload.fields.project_id !== undefined) requireProject(request, upload.fields.project_id, 'write');
      return files.create(upload);
    };
    scope.post('/file/create', create);
    scope.post('/files/create', create);
  });
  const content = async (request: FastifyRequest<{ Body: FileContentReq }>, reply: FastifyReply) =>
    reply.type('application/octet-stream').send(Buffer.from(await files.content(request.body)));
  app.post('/file/content', { schema: { body: FileContentReq } }, content);
  app.post('/files/content', { schema: { body: FileContentReq } }, content);
}
