import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { catalogRoutes } from './catalogRoutes.js';
import { marketRoutes } from './marketRoutes.js';
import { basketRoutes } from './basketRoutes.js';
import { offlineRoutes } from './offline.js';
import { redemptionRoutes } from './redemptionRoutes.js';
import { reportRoutes } from './reportRoutes.js';

// Love supermarkets (爱心超市): markets and terminals, the catalogue, redemptions (sales, baskets on
// hold, refunds, offline batches, receipts) and the day report.
export const marketsRoutes: FastifyPluginAsyncZod = async (app) => {
  await app.register(marketRoutes);
  await app.register(catalogRoutes);
  await app.register(redemptionRoutes);
  await app.register(basketRoutes);
  await app.register(offlineRoutes);
  await app.register(reportRoutes);
};
