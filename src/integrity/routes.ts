import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/auth.js';
import { VerificationSchema } from '../http/ledgerSchemas.js';
import { problemResponses } from '../http/schemas.js';
import { listPublicKeys } from './keys.js';
import { entryProof, MAX_CHAIN } from './proof.js';
import { verifyIntegrity } from './verify.js';

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

const BlockHeadSchema = z
  .object({
    v: z.literal(1),
    tenantId: z.string(),
    blockNo: z.string(),
    firstSeq: z.string(),
    lastSeq: z.string(),
    entryCount: z.number().int(),
    root: Hex64.describe('RFC 9162 Merkle tree hash of the entries\' leaf hashes, in sequence order'),
    prevHash: Hex64.describe("The previous block's hash; 64 zeros for block 1"),
    keyId: z.string(),
    sealedAt: z.string(),
  })
  .meta({ id: 'BlockHead', description: 'What is hashed and signed (RFC 8785 canonical JSON); see the README, "Integrity"' });

const SignedHeadSchema = z
  .object({
    head: BlockHeadSchema,
    hash: Hex64.describe("SHA-256 of the head's canonical bytes"),
    signature: z.string().describe("Ed25519 signature of the head's canonical bytes, base64"),
  })
  .meta({ id: 'SignedBlockHead' });

const CanonicalEntrySchema = z
  .object({
    v: z.literal(1),
    tenantId: z.string(),
    entryId: z.string(),
    seq: z.string(),
    txId: z.string(),
    kind: z.string(),
    occurredAt: z.string(),
    recordedAt: z.string(),
    reason: z.string().nullable(),
    reversesEntryId: z.string().nullable(),
    objectType: z.string().nullable(),
    objectId: z.string().nullable(),
    ruleVersion: z.number().int().nullable(),
    createdBy: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    postings: z.array(
      z.object({ idx: z.number().int(), accountId: z.string(), unit: z.string(), amount: z.string(), balanceAfter: z.string().nullable() }),
    ),
  })
  .meta({ id: 'CanonicalEntry', description: "An entry's canonical form: its leaf hash is SHA-256(0x00 || RFC 8785 bytes)" });

export const ProofSchema = z
  .object({
    entry: CanonicalEntrySchema,
    leafHash: Hex64,
    leafIndex: z.number().int(),
    treeSize: z.number().int(),
    path: z.array(Hex64).describe('RFC 9162 inclusion path, nearest the leaf first'),
    block: SignedHeadSchema,
    chain: z.array(SignedHeadSchema).describe('With chainTo: the signed heads after the entry\'s block, each naming the hash of the one before'),
  })
  .meta({ id: 'InclusionProof' });

const PublicKeySchema = z
  .object({
    keyId: z.string(),
    algorithm: z.literal('Ed25519'),
    publicKey: z.string().describe('The raw 32-byte public key (RFC 8032), base64'),
    publicKeyPem: z.string(),
    validFrom: z.string(),
    validUntil: z.string().nullable().describe('null: the current key'),
  })
  .meta({ id: 'SigningKey' });

const IntegritySchema = VerificationSchema.extend({
  seals: z.object({ blocks: z.string(), sealedEntries: z.string(), unsealedEntries: z.string() }),
  problems: VerificationSchema.shape.problems.describe(
    'Ledger checks first, then the love supermarkets\' (market_*: each names the market and the item, receipt or movement at fault), ' +
      'then the blocks in order; a block problem names the block and, where one entry is at fault, the entry and why',
  ),
}).meta({ id: 'IntegrityVerification' });

const readers = ['admin', 'auditor'] as const;

export const integrityRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/integrity', {
    config: { roles: readers },
    schema: {
      tags: ['integrity'],
      summary:
        'Verify the ledger, the love supermarkets and the seals: balances from postings, entries balanced, holds, stock, receipts, ' +
        'every block re-hashed, signed and chained',
      response: { 200: IntegritySchema, ...problemResponses() },
    },
    handler: async (request) => verifyIntegrity(app.db, callerOf(request).tenantId),
  });

  app.get('/integrity/keys', {
    config: { roles: ['admin', 'auditor', 'station', 'pos'] },
    schema: {
      tags: ['integrity'],
      summary: "The tenant's public signing keys with their validity (the keys file of verify-export and verify-proof)",
      response: { 200: z.object({ tenantId: z.string(), items: z.array(PublicKeySchema) }).meta({ id: 'SigningKeyList' }), ...problemResponses() },
    },
    handler: async (request) => {
      const { tenantId } = callerOf(request);
      return { tenantId, items: await listPublicKeys(app.db, tenantId) };
    },
  });

  app.get('/entries/:id/proof', {
    config: { roles: readers },
    schema: {
      tags: ['integrity'],
      summary: "An entry's inclusion proof: its canonical form, Merkle path and signed block head, checkable with the public key alone",
      params: z.object({ id: z.uuid() }),
      querystring: z.object({
        chainTo: z
          .union([z.literal('latest'), z.string().regex(/^[1-9][0-9]{0,17}$/)])
          .optional()
          .describe(`Also the signed heads from the entry's block to this block number ("latest": the newest), at most ${MAX_CHAIN}`),
      }),
      response: { 200: ProofSchema, ...problemResponses('validation_failed', 'entry_not_found', 'entry_not_sealed', 'proof_chain_invalid') },
    },
    handler: async (request) => entryProof(app.db, callerOf(request).tenantId, request.params.id, request.query.chainTo),
  });
};
