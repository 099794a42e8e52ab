import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordConfigChange } from '../changes/changes.js';
import { callerOf } from '../http/auth.js';
import { IdempotencyHeaders, OrgUnitId, problemResponses } from '../http/schemas.js';
import { writeOnce } from '../http/write.js';
import { createOrgUnit, getOrgUnit, listOrgUnits, OrgUnitKinds, updateOrgUnit } from './orgUnits.js';

const OrgUnitSchema = z
  .object({
    id: OrgUnitId,
    kind: z.enum(OrgUnitKinds),
    parentId: OrgUnitId.nullable(),
    name: z.string(),
    active: z.boolean().describe('False once deactivated (a unit under a deactivated unit also takes no new records)'),
    autoVerify: z.boolean().describe('Records of this unit and the units under it are verified on submission'),
    population: z.number().int().nullable().describe("Residents of the unit's area, where known (participation reports give a rate against it)"),
    createdAt: z.string(),
    deactivatedAt: z.string().nullable(),
  })
  .meta({ id: 'OrgUnit' });

const readers = ['admin', 'station', 'auditor'] as const;
const Population = z.number().int().min(1).max(1_000_000_000).describe("Residents of the unit's area (participation rate = active volunteers / residents)");
const Params = z.object({ id: OrgUnitId });

export const orgUnitRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/org-units', {
    schema: {
      tags: ['org units'],
      summary: 'Create an org unit (center, institute, station or point) with its issuance accounts',
      headers: IdempotencyHeaders,
      body: z.object({
        id: OrgUnitId,
        kind: z.enum(OrgUnitKinds),
        parentId: OrgUnitId.optional().describe('Required for every kind but center'),
        name: z.string().trim().min(1).max(200),
        autoVerify: z.boolean().default(false),
        population: Population.optional(),
      }),
      response: {
        201: OrgUnitSchema,
        ...problemResponses(
          'validation_failed', 'org_unit_not_found', 'org_unit_exists', 'account_exists', 'invalid_parent', 'idempotency_conflict',
        ),
      },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({
        statusCode: 201,
        body: await recordConfigChange(trx, callerOf(request), 'orgUnit.created', await createOrgUnit(trx, callerOf(request).tenantId, request.body)),
      })),
  });

  app.get('/org-units', {
    config: { roles: readers },
    schema: {
      tags: ['org units'],
      summary: "The tenant's org units (a scoped station key sees its own subtree)",
      response: { 200: z.object({ items: z.array(OrgUnitSchema) }), ...problemResponses() },
    },
    handler: async (request) => ({ items: await listOrgUnits(app.db, callerOf(request)) }),
  });

  app.get('/org-units/:id', {
    config: { roles: readers },
    schema: {
      tags: ['org units'],
      summary: 'One org unit',
      params: Params,
      response: { 200: OrgUnitSchema, ...problemResponses('validation_failed', 'org_unit_not_found', 'org_unit_out_of_scope') },
    },
    handler: async (request) => getOrgUnit(app.db, callerOf(request), request.params.id),
  });

  app.patch('/org-units/:id', {
    schema: {
      tags: ['org units'],
      summary: "Rename an org unit, change its automatic verification or set its resident population",
      headers: IdempotencyHeaders,
      params: Params,
      body: z.object({
        name: z.string().trim().min(1).max(200).optional(),
        autoVerify: z.boolean().optional(),
        population: Population.nullable().optional().describe('null clears it'),
      }),
      response: { 200: OrgUnitSchema, ...problemResponses('validation_failed', 'org_unit_not_found', 'idempotency_conflict') },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({
        statusCode: 200,
        body: await recordConfigChange(trx, callerOf(request), 'orgUnit.updated', await updateOrgUnit(trx, callerOf(request).tenantId, request.params.id, request.body), request.body),
      })),
  });

  app.post('/org-units/:id/deactivation', {
    schema: {
      tags: ['org units'],
      summary: 'Deactivate an org unit (never deleted): it and the units under it take no new records',
      headers: IdempotencyHeaders,
      params: Params,
      response: { 200: OrgUnitSchema, ...problemResponses('validation_failed', 'org_unit_not_found', 'idempotency_conflict') },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({
        statusCode: 200,
        body: await recordConfigChange(trx, callerOf(request), 'orgUnit.deactivated', await updateOrgUnit(trx, callerOf(request).tenantId, request.params.id, { active: false })),
      })),
  });
};
