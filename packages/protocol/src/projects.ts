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
