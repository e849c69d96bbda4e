/** File routes (docs/protocol.md §11); `/file/create` is multipart, so only content has a schema. */
import { type Static, Type } from '@sinclair/typebox';
import { ProjectId } from './schema-helpers.js';

export const FileContentReq = Type.Object({
  project_id: ProjectId,
  digest: Type.String({ minLength: 1, maxLength: 128 }),
});
export type FileContentReq = Static<typeof FileContentReq>;
export interface FileCreateRes {
  digest: string;
}
