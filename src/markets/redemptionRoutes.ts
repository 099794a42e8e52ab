import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

export const redemptionRoutes: FastifyPluginAsyncZod = async () => {};
