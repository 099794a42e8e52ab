import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

export const marketRoutes: FastifyPluginAsyncZod = async () => {};
