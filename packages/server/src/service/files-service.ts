/**
 * What the file routes do (docs/protocol.md §11, §7.2): a file's digest is
 * `bytes_digest` of its content; a wrong `expected_digest` is a 409; contents are stored once per
 * project by digest and given back byte for byte.
 */
import {
  bytesDigest,
  Conflict,
  type FileContentReq,
  InvalidRequest,
  NotFound,
  PROJECT_ID_PATTERN,
} from '@weft/protocol';
import type { TraceStore } from '../storage/trace-store.js';

/** `/file/create`'s form, as the route read it: its text fields and its one file part. */
export interface FileUpload {
  fields: Readonly<Record<string, string>>;
  file?: { name: string; content: Uint8Array };
}

/** The form's project_id is not schema-checked (multipart), so it is checked by the same pattern here. */
const PROJECT_ID = new RegExp(PROJECT_ID_PATTERN);

export class FilesService {
  constructor(private readonly store: TraceStore) {}

  async create(upload: FileUpload): Promise<{ digest: string }> {
    const { fields, file } = upload;
    const projectId = fields.project_id;
    if (!projectId || !PROJECT_ID.test(projectId))
      throw new InvalidRequest('project_id must be "entity/project"');
    if (!file) throw new InvalidRequest('the form has no "file" part');
    const digest = bytesDigest(file.content);
    if (fields.expected_digest && fields.expected_digest !== digest) {
      throw new Conflict(`the file's digest is ${digest}, not the expected ${fields.expected_digest}`);
    }
    await this.store.createFile(projectId, digest, file.name, file.content);
    return { digest };
  }

  async content(req: FileContentReq): Promise<Uint8Array> {
    const found = await this.store.readFile(req.project_id, req.digest);
    if (!found) throw new NotFound(`file ${req.digest} not found in project ${req.project_id}`);
    return found.content;
  }
}
