/**
 * @file Every failure leaves the server as a Smile ID error body `{ code, error }` with a message a person
 * understands; internal errors are logged and answered with 2201 without details.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { apiError, isApiError, type ApiError } from '../errors/api-errors.js';
import { RateLimitedError } from '../jobs/rate-limit.js';
import { isStorageBusy } from '../store/open-storage.js';

function fromFastify(err: FastifyError): ApiError | null {
  if (err.validation) {
    const v = err.validation[0];
    const field = [err.validationContext, v?.instancePath?.replace(/^\//, '').replace(/\//g, '.')].filter(Boolean).join('.');
    if (v?.keyword === 'required') {
      const missing = String(v.params.missingProperty);
      if (missing === 'signature' || missing === 'timestamp') return apiError('UNAUTHORIZED', `You are not authorized to do that: ${missing} is missing`);
      return apiError('MISSING_PARAMETER', `${field ? field + '.' : ''}${String(v.params.missingProperty)} is required`);
    }
    return apiError('INVALID_PARAMETER_TYPE', `${field || 'request'} ${v?.message ?? 'is invalid'}`);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return apiError('INVALID_JSON', `The request body is not valid JSON: ${err.message}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
      return apiError('PAYLOAD_TOO_LARGE', err.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return apiError('UNSUPPORTED_MEDIA_TYPE', err.message);
  }
  if (err.statusCode === 413) return apiError('PAYLOAD_TOO_LARGE', err.message);
  if (err.statusCode === 415) return apiError('UNSUPPORTED_MEDIA_TYPE', err.message);
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return apiError('INVALID_PARAMETER_TYPE', err.message);
  return null;
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (isStorageBusy(err)) {
      req.log.warn({ url: req.routeOptions.url, reason: (err as Error).message }, 'database busy or unreachable: request refused, retryable');
      const busy = apiError('STORAGE_BUSY');
      return reply.status(busy.httpStatus).header('retry-after', '1').send(busy.toJSON());
    }
    const known = isApiError(err) ? err : fromFastify(err);
    if (known) {
      req.log.info({ code: known.code, url: req.routeOptions.url }, known.message);
      if (known instanceof RateLimitedError) reply.header('retry-after', String(known.retryAfterSeconds));
      return reply.status(known.httpStatus).send(known.toJSON());
    }
    req.log.error({ err, url: req.routeOptions.url }, 'unhandled error');
    const sys = apiError('SYSTEM_ERROR', 'System error: the request could not be completed; it has been logged');
    return reply.status(sys.httpStatus).send(sys.toJSON());
  });
  app.setNotFoundHandler((req, reply) => {
    const e = apiError('NOT_FOUND', `No such endpoint: ${req.method} ${req.url.split('?')[0]}`);
    return reply.status(e.httpStatus).send(e.toJSON());
  });
}
