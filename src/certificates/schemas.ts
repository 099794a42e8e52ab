import { z } from 'zod';
import { OrgUnitId } from '../http/schemas.js';
import { ProofSchema } from '../integrity/routes.js';

// The wire shapes of certificates (志愿服务记录证明).

const Day = z.iso.date().describe('YYYY-MM-DD, China time');

export const IssueSchema = z.object({
  from: Day.describe('First day of the period (China time), included'),
  to: Day.describe('Last day of the period (China time), included; not after today'),
  orgUnitId: OrgUnitId.describe("The issuing unit: it certifies the records it and the units under it recorded (谁记录谁证明). A station's key: its own unit"),
  purpose: z.string().trim().min(1).max(200).optional().describe('What the certificate is for (入党、评优、升学…), printed on it'),
});

const CertificateRecordSchema = z
  .object({
    recordId: z.uuid(),
    orgUnitId: z.string(),
    orgUnitName: z.string(),
    title: z.string(),
    content: z.string().nullable(),
    place: z.string().nullable(),
    startedAt: z.string(),
    endedAt: z.string(),
    hours: z.string(),
    awardEntryId: z.uuid(),
    proof: ProofSchema,
  })
  .meta({ id: 'CertificateRecord' });

export const CertificateSchema = z
  .object({
    v: z.literal(1),
    type: z.literal('volunteer-service-certificate'),
    certificateId: z.uuid(),
    tenantId: z.string(),
    number: z
      .object({ orgUnitId: z.string(), year: z.number().int(), no: z.number().int(), text: z.string() })
      .describe('Numbered per issuing unit and year, 1, 2, 3… without gaps'),
    code: z.string().describe('The public check code: GET /certificates/{code}'),
    issuedAt: z.string(),
    issueDate: z.string().describe('China time, YYYY-MM-DD'),
    issuer: z.object({ orgUnitId: z.string(), name: z.string() }),
    member: z.object({ name: z.string(), idNumberMasked: z.string() }),
    period: z.object({ from: z.string(), to: z.string() }),
    purpose: z.string().nullable(),
    records: z.array(CertificateRecordSchema),
    totals: z.object({ records: z.number().int(), hours: z.string() }),
    stars: z.number().int().describe('The star rating (星级) when issued'),
    signature: z
      .object({ keyId: z.string(), algorithm: z.literal('Ed25519'), value: z.string() })
      .describe("Ed25519 signature (base64) of the RFC 8785 canonical JSON of every other member, with the tenant's key (GET /v1/integrity/keys)"),
  })
  .meta({ id: 'Certificate', description: 'A certificate of service records (志愿服务记录证明), signed; check it offline with `npm run cli -- verify-certificate`' });

export const WithdrawalSchema = z
  .object({ certificateId: z.uuid(), number: z.string(), withdrawnAt: z.string(), reason: z.string() })
  .meta({ id: 'CertificateWithdrawal' });

const PublicCertificateSchema = z.object({
  number: z.string(),
  issuer: z.string(),
  issuedAt: z.string(),
  issueDate: z.string(),
  member: z.object({ name: z.string(), idNumberMasked: z.string() }),
  period: z.object({ from: z.string(), to: z.string() }),
  purpose: z.string().nullable(),
  records: z.array(
    z.object({ no: z.number().int(), orgUnit: z.string(), startedAt: z.string(), endedAt: z.string(), title: z.string(), content: z.string().nullable(), hours: z.string() }),
  ),
  totals: z.object({ records: z.number().int(), hours: z.string() }),
  stars: z.number().int(),
});

export const CertificateCheckSchema = z
  .object({
    status: z.enum(['valid', 'changed', 'withdrawn', 'forged']).describe('valid: authentic and it stands; changed: a record was corrected or revoked since; withdrawn; forged: its signature fails'),
    authentic: z.boolean(),
    stands: z.boolean(),
    withdrawal: z.object({ reason: z.string(), at: z.string() }).nullable(),
    changes: z.array(
      z.object({
        recordNo: z.number().int().describe("The record's number on the certificate"),
        title: z.string(),
        kind: z.enum(['corrected', 'revoked']),
        at: z.string(),
        hoursAfter: z.string().nullable().describe("A correction's new hours"),
      }),
    ),
    certificate: PublicCertificateSchema.describe('Exactly what the certificate shows'),
  })
  .meta({ id: 'CertificateCheck' });
