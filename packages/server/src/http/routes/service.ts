import type { HealthRes, ServerInfoRes } from '@weft/protocol';
import type { FastifyInstance } from 'fastify';
import { WEFT_VERSION } from '../../version.js';

export function registerServiceRoutes(app: FastifyInstance): void {
  app.get('/health', async (): Promise<HealthRes> => ({ status: 'ok' }));
  app.get(
    '/server_info',
    async (): Promise<ServerInfoRes> => ({
      // The Python SDK stops tracing when this is newer than itself; weft serves every 0.x client.
      min_required_weave_python_version: '0.0.1',
      // Parsed as a PEP 440 version by the Python SDK: weft's own version, plain semver.
      trace_server_version: WEFT_VERSION,
    }),
  );
}
