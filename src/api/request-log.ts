// Every log line written while serving a request carries its id and the client address, so one
// request's lines can be found together and fail2ban can find the address.
import type { FastifyRequest } from 'fastify';
import type { Logger } from '../log.js';

export function requestLogger(logger: Logger, request: FastifyRequest): Logger {
  return logger.child({ reqId: request.id, remote: request.ip });
}
