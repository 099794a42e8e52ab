import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/auth.js';
import { coded, IdempotencyHeaders, OrgUnitId, problemResponses, SignedAmountSchema } from '../http/schemas.js';
import { writeOnce } from '../http/write.js';
import { orgUnitForWrite } from '../orgunits/orgUnits.js';
import { normalizeIdNumber, PHONE } from './identity.js';
import { StarChangeSchema } from './schemas.js';
import { addCard, authorizeMemberWrite, blockCard, counterView, deactivateMember, keyedIdNumber, memberByCard, registerMember, requireMember } from './members.js';
import { listStarChanges } from './stars.js';
import { listLots, LotMoveKinds, memberPointsAccount } from '../ledger/index.js';

const CardNo = z.string().regex(/^[A-Za-z0-9-]{4,64}$/, '4 to 64 letters, digits or -').meta({ id: 'CardNo', example: '6214830100001234' });

const MemberSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    idNumberMasked: z.string().describe('The ID number is kept only as a keyed hash and this masked form'),
    phoneMasked: z.string(),
    homeOrgUnitId: z.string(),
    active: z.boolean(),
    cards: z.array(z.object({ cardNo: z.string(), blocked: z.boolean(), createdAt: z.string(), blockedAt: z.string().nullable() })),
    hours: SignedAmountSchema.describe('Cumulative verified hours'),
    points: z.object({ balance: SignedAmountSchema, held: SignedAmountSchema, available: SignedAmountSchema }),
    pointsExpiring: z
      .array(z.object({ date: z.string().describe('The last day (China time) these points can be spent'), points: SignedAmountSchema }))
      .describe('The next five dates on which points lapse, earliest first; points that never expire are not listed'),
    stars: z.number().int().min(0).max(5),
    hoursToNextStar: SignedAmountSchema.nullable().describe('null at five stars'),
    lastStarChange: StarChangeSchema.nullable(),
    createdAt: z.string(),
    deactivatedAt: z.string().nullable(),
  })
  .meta({ id: 'Member' });

const LotSchema = z
  .object({
    id: z.string(),
    expiresOn: z.string().nullable().describe('The last day (China time) its points can be spent; null: they never expire'),
    policyVersion: z.number().int().nullable().describe('The expiry policy version that dated it; null: before any policy'),
    openedBy: z.uuid().nullable().describe('The entry that credited it; null: the balance held when lots began'),
    openedAt: z.string(),
    amount: SignedAmountSchema.describe('Points it was opened with'),
    remaining: SignedAmountSchema,
    held: SignedAmountSchema.describe('Of remaining, reserved by open holds'),
    history: z.array(
      z.object({
        kind: z.enum(LotMoveKinds),
        amount: SignedAmountSchema.describe('Change of remaining'),
        held: SignedAmountSchema.describe('Change of held'),
        entryId: z.uuid().nullable(),
        holdId: z.uuid().nullable(),
        sourceEntryId: z.uuid().nullable().describe('A return: the entry whose debit it gives back'),
        at: z.string(),
      }),
    ),
  })
  .meta({ id: 'Lot' });

const LotsPageSchema = z.object({ items: z.array(LotSchema), next: z.string().nullable().describe('Pass as after for the next page') });

const NewMemberSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    idNumber: z
      .string()
      .refine((v) => normalizeIdNumber(v) !== null, coded('invalid_id_number'))
      .describe('18-character national ID number (GB 11643); stored only as a keyed hash and a masked form'),
    phone: z.string().refine((v) => PHONE.test(v), coded('invalid_phone')).describe('11-digit mobile number'),
    homeOrgUnitId: OrgUnitId,
    cards: z
      .array(CardNo)
      .max(10)
      .refine((c) => new Set(c).size === c.length, 'card numbers must differ')
      .optional(),
  })
  .meta({ id: 'NewMember' });

const CounterViewSchema = z
  .object({
    memberId: z.uuid(),
    name: z.string(),
    active: z.boolean().describe('False once the member is deactivated: nothing can be redeemed'),
    pointsAvailable: SignedAmountSchema.describe('Points balance less points held'),
    stars: z.number().int().min(0).max(5),
    card: z.object({ cardNo: z.string(), status: z.enum(['active', 'blocked']).describe('blocked: reported lost; nothing can be redeemed with it') }),
  })
  .meta({ id: 'CounterView', description: 'What a supermarket counter needs of a member: no ID number, phone or history' });

const Params = z.object({ id: z.uuid() });
// A POS terminal reads members by card only, in the counter view; the other roles read whole members.
const lookup = ['admin', 'station', 'auditor'] as const;
const counter = ['admin', 'station', 'pos', 'auditor'] as const;
const writers = ['admin', 'station'] as const;

export const memberRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/members', {
    config: { roles: writers },
    schema: {
      tags: ['members'],
      summary: 'Register a member (volunteer or resident) and open their HOURS and POINTS accounts',
      headers: IdempotencyHeaders,
      body: NewMemberSchema,
      response: {
        201: MemberSchema,
        ...problemResponses(
          'validation_failed', 'invalid_id_number', 'invalid_phone', 'org_unit_not_found', 'org_unit_out_of_scope', 'org_unit_inactive',
          'member_exists', 'card_exists', 'idempotency_conflict',
        ),
      },
    },
    handler: async (request, reply) => {
      const caller = callerOf(request);
      // An Idempotency-Key stores a hash of the request: the ID number goes into it keyed, as it
      // is stored in members, never as a plain hash that could be brute-forced.
      const hashedBody = async () => ({ ...request.body, idNumber: await keyedIdNumber(app.db, caller.tenantId, request.body.idNumber) });
      return writeOnce(request, reply, async (trx) => ({ statusCode: 201, body: await registerMember(trx, caller, request.body) }), {
        hashedBody,
        authorize: async (trx) => void (await orgUnitForWrite(trx, caller, request.body.homeOrgUnitId)),
      });
    },
  });

  app.get('/members/:id', {
    config: { roles: lookup },
    schema: {
      tags: ['members'],
      summary: 'A member with hours, points, stars and hours to the next star',
      params: Params,
      response: { 200: MemberSchema, ...problemResponses('validation_failed', 'member_not_found') },
    },
    handler: async (request) => requireMember(app.db, callerOf(request).tenantId, request.params.id),
  });

  app.get('/cards/:cardNo', {
    config: { roles: lookup },
    schema: {
      tags: ['members'],
      summary: 'The member an active card (一卡通) belongs to',
      params: z.object({ cardNo: CardNo }),
      response: { 200: MemberSchema, ...problemResponses('validation_failed', 'card_not_found') },
    },
    handler: async (request) => memberByCard(app.db, callerOf(request).tenantId, request.params.cardNo),
  });

  app.get('/cards/:cardNo/counter-view', {
    config: { roles: counter },
    schema: {
      tags: ['members'],
      summary: "A card's member as a supermarket counter sees them: name, points available, stars, card status",
      params: z.object({ cardNo: CardNo }),
      response: { 200: CounterViewSchema, ...problemResponses('validation_failed', 'card_not_found') },
    },
    handler: async (request) => counterView(app.db, callerOf(request).tenantId, request.params.cardNo),
  });

  app.post('/members/:id/cards', {
    config: { roles: writers },
    schema: {
      tags: ['members'],
      summary: 'Add a card to a member',
      headers: IdempotencyHeaders,
      params: Params,
      body: z.object({ cardNo: CardNo }),
      response: {
        201: MemberSchema,
        ...problemResponses('validation_failed', 'member_not_found', 'member_inactive', 'org_unit_out_of_scope', 'card_exists', 'idempotency_conflict'),
      },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({
        statusCode: 201,
        body: await addCard(trx, callerOf(request), request.params.id, request.body.cardNo),
      }), { authorize: (trx) => authorizeMemberWrite(trx, callerOf(request), request.params.id) }),
  });

  app.post('/members/:id/cards/:cardNo/block', {
    config: { roles: writers },
    schema: {
      tags: ['members'],
      summary: 'Block a lost card; its number is never reused',
      headers: IdempotencyHeaders,
      params: z.object({ id: z.uuid(), cardNo: CardNo }),
      response: {
        200: MemberSchema,
        ...problemResponses('validation_failed', 'member_not_found', 'card_not_found', 'org_unit_out_of_scope', 'idempotency_conflict'),
      },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({
        statusCode: 200,
        body: await blockCard(trx, callerOf(request), request.params.id, request.params.cardNo),
      }), { authorize: (trx) => authorizeMemberWrite(trx, callerOf(request), request.params.id) }),
  });

  app.post('/members/:id/deactivation', {
    schema: {
      tags: ['members'],
      summary: 'Deactivate a member: accounts and history stay, no new records',
      headers: IdempotencyHeaders,
      params: Params,
      response: { 200: MemberSchema, ...problemResponses('validation_failed', 'member_not_found', 'idempotency_conflict') },
    },
    handler: async (request, reply) =>
      writeOnce(request, reply, async (trx) => ({ statusCode: 200, body: await deactivateMember(trx, callerOf(request), request.params.id) }), {
        authorize: (trx) => authorizeMemberWrite(trx, callerOf(request), request.params.id),
      }),
  });

  app.get('/members/:id/star-changes', {
    config: { roles: ['admin', 'station', 'auditor'] },
    schema: {
      tags: ['members'],
      summary: "Every change of a member's star rating, newest first, with its cause",
      params: Params,
      response: { 200: z.object({ items: z.array(StarChangeSchema) }), ...problemResponses('validation_failed', 'member_not_found') },
    },
    handler: async (request) => {
      const { tenantId } = callerOf(request);
      await requireMember(app.db, tenantId, request.params.id);
      return { items: await listStarChanges(app.db, tenantId, request.params.id) };
    },
  });

  app.get('/members/:id/lots', {
    config: { roles: ['admin', 'station', 'auditor'] },
    schema: {
      tags: ['members'],
      summary: "A member's points lots (积分批次), oldest first, each with its expiry date and whole history",
      params: Params,
      querystring: z.object({
        after: z.string().regex(/^[0-9]{1,18}$/).optional().describe('The next page: the last lot id of the previous one'),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        open: z.enum(['true', 'false']).default('false').describe('true: only lots with points left'),
      }),
      response: { 200: LotsPageSchema, ...problemResponses('validation_failed', 'member_not_found') },
    },
    handler: async (request) => {
      const { tenantId } = callerOf(request);
      await requireMember(app.db, tenantId, request.params.id);
      const { after, limit, open } = request.query;
      return listLots(app.db, tenantId, memberPointsAccount(request.params.id), { after, limit, open: open === 'true' });
    },
  });
};
