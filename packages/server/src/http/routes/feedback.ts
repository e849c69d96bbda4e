/** The feedback routes (docs/protocol.md §18). */
import {
  FeedbackBatchCreateReq,
  FeedbackCreateReq,
  FeedbackPurgeReq,
  FeedbackQueryReq,
  FeedbackReplaceReq,
} from '@weft/protocol';
import type { FastifyInstance } from 'fastify';
import type { FeedbackService } from '../../service/feedback-service.js';
import { sendChunks } from '../chunked-reply.js';

export function registerFeedbackRoutes(app: FastifyInstance, feedback: FeedbackService): void {
  app.post<{ Body: FeedbackCreateReq }>(
    '/feedback/create',
    { schema: { body: FeedbackCreateReq } },
    (request) => feedback.create(request.body),
  );
  app.post<{ Body: FeedbackBatchCreateReq }>(
    '/feedback/batch/create',
    { schema: { body: FeedbackBatchCreateReq } },
    (request) => feedback.batchCreate(request.body),
  );
  // Read and sent a page at a time (docs/protocol.md §1.7).
  app.post<{ Body: FeedbackQueryReq }>(
    '/feedback/query',
    { schema: { body: FeedbackQueryReq } },
    async (request, reply) => sendChunks(reply, 'application/json', feedback.query(request.body)),
  );
  app.post<{ Body: FeedbackPurgeReq }>('/feedback/purge', { schema: { body: FeedbackPurgeReq } }, (request) =>
    feedback.purge(request.body),
  );
  app.post<{ Body: FeedbackReplaceReq }>(
    '/feedback/replace',
    { schema: { body: FeedbackReplaceReq } },
    (request) => feedback.replace(request.body),
  );
}
