/**
 * The reads every version page makes: the version the URL names (resolving `latest`, `vN` and
 * aliases on the server) and the live versions of its name, merged into one list.
 */
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useParams } from 'react-router';
import type { ProjectRef } from '../../routes';
import { queryVersionsOf, readObjectVersion } from './api';
import { versionRows } from './versions';

export function useVersionParams(): { project: ProjectRef; name: string; requested: string } {
  const { entity = '', project = '', name = '', digest = '' } = useParams();
  return { project: { entity, project }, name, requested: digest };
}

export function useVersion(project: ProjectRef, name: string, requested: string, kind: 'op' | 'object') {
  const version = useQuery({
    queryKey: ['objects', 'version', project, name, requested],
    queryFn: ({ signal }) => readObjectVersion(project, name, requested, signal),
    // `latest` and aliases move; a digest never changes.
    staleTime: /^[A-Za-z0-9]{43}$|^[0-9a-f]{64}$/.test(requested) ? Number.POSITIVE_INFINITY : 10_000,
  });
  const listed = useQuery({
    queryKey: ['objects', 'versions', project, name, kind],
    queryFn: ({ signal }) => queryVersionsOf(project, name, kind, signal),
  });
  const rows = useMemo(
    () => versionRows(listed.data ?? [], version.data?.kind === kind ? version.data : undefined),
    [listed.data, version.data, kind],
  );
  const labels = rows.find((row) => row.digest === version.data?.digest) ?? {
    isLatest: version.data?.is_latest === 1,
    aliases: [],
    tags: [],
  };
  return { version, listed, rows, labels };
}
