import type { HealthRes, ServerInfoRes } from '@weft/protocol';
import type { FastifyInstance } from 'fastify';
import { WEFT_VERSION } from '../../version.js';

export function registerServiceRoutes(app: FastifyInstance): void {
  app.get('/health', async (): Promise<HealthRes> => ({ status: 'ok' }));
  app.get(
    '/server_info',
    async (): Promise<ServerInfoRes> => ({
      // Python clients refuse servers that require a newer client; weft requires none in particular.
      min_required_weave_python_version: '0.0.1',
      trace_server_version: `weft ${WEFT_VERSION}`,
    }),
  );
}
