/**
 * `GET /weft/projects` (docs/protocol.md §13.1): weft's own route, not Weave's, listing every
 * project for the web UI's projects page.
 */

export interface ProjectSummary {
  /** The wire project id, `entity/name`. */
  project_id: string;
  entity: string;
  name: string;
  /** Live calls: started and not deleted. */
  calls: number;
  /** Live object versions, ops included. */
  objects: number;
  /** The newest live call's start or live object version's creation; null when there is neither. */
  last_activity: string | null;
}

export interface ProjectsRes {
  /** Newest activity first; projects without any last, by id. */
  projects: ProjectSummary[];
}

/**
 * `GET /weft/session` (docs/protocol.md §19.5): who the caller is. On a server that requires keys
 * a request without a valid one gets the 401 instead, which is how the web UI knows to ask.
 */
export interface SessionRes {
  /** The key's user, or the local user of a server without keys. */
  user: string | null;
  /** The key's id (never the key); null without keys. */
  key_id: string | null;
  /** The projects the key may use; null: every project. */
  projects: string[] | null;
  read_only: boolean;
}
