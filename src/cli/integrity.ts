import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadConfig } from '../config.js';
import { countPostings, type JournalRequest, journalChunks } from '../exports/journal.js';
import { checkCertificate, type SignedCertificate } from '../certificates/document.js';
import { verifyExportFile } from '../exports/verifyExport.js';
import { checkProof, parseKeys, type Proof } from '../integrity/check.js';
import { listPublicKeys, resolveSigningSecret, rotateSigningKey, Signer } from '../integrity/keys.js';
import { sealTenants } from '../integrity/seal.js';
import { foldAllSealed, foldSealed } from '../reports/participation.js';
import { tenantExists } from '../tenants/tenants.js';
import { withProgress } from './progress.js';
import { CliError, type Command, EXIT, out, say, tenantIdOption, timeOption, UsageError, withDatabase } from './runtime.js';

// The commands of sealing, signing keys, the journal export and the offline checks (issue 22),
// one part of the CLI's command table (src/cli.ts lists them with the others).

export const INTEGRITY_COMMANDS: Command[] = [
  {
    name: 'seal',
    args: '[--tenant <id>] [--wait <seconds>]',
    summary: 'seal committed entries into signed blocks now (the service also does, every SEAL_MS)',
    details:
      'Safe beside running services: one process seals a tenant at a time, each entry goes into one block.\n' +
      'Entries after a number whose transaction is still open wait for it: --wait (default 10) says how long.\n' +
      'Needs the signing secret: SIGNING_KEY_SECRET or DATA_DIR/signing-key-secret (made when missing).\n' +
      'Then folds what is sealed into what participation reports read, as the service does after sealing.\n' +
      'Prints {"tenants": [{"tenantId", "blocks", "entries", "gaps", "sealedThrough", "pending", "busy"}]}.',
    options: { tenant: { type: 'string' }, wait: { type: 'string' } },
    async run(v) {
      const tenantId = v.tenant === undefined ? null : tenantIdOption(v.tenant);
      const wait = v.wait === undefined ? 10 : Number(v.wait);
      if (!Number.isFinite(wait) || wait < 0 || wait > 3600) throw new UsageError('--wait is a number of seconds, 0 to 3600');
      const signer = signerFromConfig();
      const tenants = await withDatabase({ migrate: true }, async (db) => {
        const sealed = await withProgress('seal', 0, (p) => sealTenants(db, signer, { tenantId, waitMs: wait * 1000, onBlock: (t, n) => p.tick(n, t) }));
        // Then what the service's job does beside its sealer: the sealed entries into what reports read.
        await (tenantId === null ? foldAllSealed(db) : foldSealed(db, tenantId));
        return sealed;
      });
      out({ tenants });
      return EXIT.ok;
    },
  },
  {
    name: 'keys list',
    args: '--tenant <id>',
    summary: "print a tenant's public signing keys (the keys file of verify-export and verify-proof)",
    details: 'Prints what GET /v1/integrity/keys answers: {"tenantId", "items": [{"keyId", "publicKey", "validFrom", "validUntil", …}]}.',
    options: { tenant: { type: 'string' } },
    required: ['tenant'],
    async run(v) {
      const tenantId = tenantIdOption(v.tenant);
      out({ tenantId, items: await withDatabase({ migrate: true }, (db) => listPublicKeys(db, tenantId)) });
      return EXIT.ok;
    },
  },
  {
    name: 'keys rotate',
    args: '--tenant <id>',
    summary: "retire a tenant's signing key and start a new one (blocks sealed before keep verifying)",
    details: 'The retired key stays published, valid until now. Prints {"tenantId", "retired", "current"} (key ids).',
    options: { tenant: { type: 'string' } },
    required: ['tenant'],
    async run(v) {
      const tenantId = tenantIdOption(v.tenant);
      const signer = signerFromConfig();
      const rotated = await withDatabase({ migrate: true }, async (db) => {
        if (!(await tenantExists(db, tenantId))) throw new CliError(`tenant ${tenantId} does not exist`);
        return rotateSigningKey(db, signer, tenantId);
      });
      out({ tenantId, ...rotated });
      return EXIT.ok;
    },
  },
  {
    name: 'export',
    args: '--tenant <id> --out <file> [--format csv|jsonl] [--from <time>] [--to <time>] [--bom]',
    summary: "write a tenant's journal to a file (as GET /v1/exports/journal), with a progress bar",
    details:
      'Every posting recorded in [--from, --to) (RFC 3339 times) with its entry and the signed heads of the blocks\n' +
      'it spans. --format is taken from the file name (.csv, .jsonl) unless given; --bom starts a CSV with a UTF-8\n' +
      'byte order mark (Excel). Prints {"file", "format", "postings", "bytes"}. Check it with verify-export.',
    options: { tenant: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, bom: { type: 'boolean' } },
    required: ['tenant', 'out'],
    async run(v) {
      const tenantId = tenantIdOption(v.tenant);
      const file = String(v.out);
      const format = String(v.format ?? (file.endsWith('.jsonl') || file.endsWith('.ndjson') ? 'jsonl' : 'csv'));
      if (format !== 'csv' && format !== 'jsonl') throw new UsageError('--format is csv or jsonl');
      const req: JournalRequest = { tenantId, from: timeOption('from', v.from), to: timeOption('to', v.to), format, bom: v.bom === true };
      if (req.from && req.to && Date.parse(req.from) >= Date.parse(req.to)) throw new UsageError('--from must be before --to');
      let postings = 0;
      await withDatabase({ migrate: true }, async (db) => {
        if (!(await tenantExists(db, tenantId))) throw new CliError(`tenant ${tenantId} does not exist`);
        const database = { db, engine: loadConfig().database.engine, close: async () => {} };
        await withProgress('export', await countPostings(db, req), (p) =>
          pipeline(
            Readable.from(
              journalChunks(database, req, (n) => {
                postings += n;
                p.tick(n);
              }),
              { objectMode: false },
            ),
            fs.createWriteStream(file),
          ),
        );
      });
      out({ file, format, postings, bytes: fs.statSync(file).size });
      return EXIT.ok;
    },
  },
  {
    name: 'verify-export',
    args: '<file> --keys <file> [--accounts]',
    summary: 'check an exported journal offline (no database): blocks re-hashed, signatures, chain, totals',
    details:
      '--keys: the JSON of GET /v1/integrity/keys (or `keys list`). Prints {"ok", "entries", "postings", "blocks",\n' +
      '"unsealedEntries", "unitTotals", "problems"} and, with --accounts, "accountTotals" (the sum per account).\n' +
      'Exit 1 when a check fails; the first problem names the block or entry and why.',
    positionals: 1,
    options: { keys: { type: 'string' }, accounts: { type: 'boolean' } },
    required: ['keys'],
    async run(v, positionals) {
      const result = await verifyExportFile(readableFile(positionals[0]), readKeysFile(String(v.keys)), { accounts: v.accounts === true });
      out(result);
      if (!result.ok) say(`verify-export: ${result.problems.length} problem(s); the first: ${result.problems[0]!.why}`);
      return result.ok ? EXIT.ok : EXIT.failed;
    },
  },
  {
    name: 'verify-proof',
    args: '<file> --keys <file>',
    summary: "check an entry's inclusion proof offline (GET /v1/entries/{id}/proof) against the published keys",
    details: 'Prints {"ok", "entryId", "seq", "blockNo", "head", "problems"}; exit 1 when the proof does not hold.',
    positionals: 1,
    options: { keys: { type: 'string' } },
    required: ['keys'],
    async run(v, positionals) {
      const file = readableFile(positionals[0]);
      let proof: Proof;
      try {
        proof = JSON.parse(fs.readFileSync(file, 'utf8')) as Proof;
      } catch (err) {
        throw new CliError(`${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
      }
      const result = checkProof(proof, readKeysFile(String(v.keys)));
      out(result);
      if (!result.ok) say(`verify-proof: ${result.problems[0]!.why}`);
      return result.ok ? EXIT.ok : EXIT.failed;
    },
  },
  {
    name: 'verify-certificate',
    args: '<file> --keys <file>',
    summary: 'check a certificate (GET /v1/certificates/{id}) offline: signature, each record\'s proof and hours, the totals',
    details:
      'No database. --keys: the JSON of GET /v1/integrity/keys. Checks the Ed25519 signature of the certificate\'s canonical JSON,\n' +
      "each record's award entry against its Merkle path and signed block head, that each record's hours equal the hours its\n" +
      'entry credits, and the totals. Prints {"ok", "certificateId", "number", "records", "hours", "problems"}; exit 1 when one fails.',
    positionals: 1,
    options: { keys: { type: 'string' } },
    required: ['keys'],
    async run(v, positionals) {
      const file = readableFile(positionals[0]);
      let cert: SignedCertificate;
      try {
        cert = JSON.parse(fs.readFileSync(file, 'utf8')) as SignedCertificate;
      } catch (err) {
        throw new CliError(`${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
      }
      const result = checkCertificate(cert, readKeysFile(String(v.keys)));
      out(result);
      if (!result.ok) say(`verify-certificate: ${result.problems[0]!.why}`);
      return result.ok ? EXIT.ok : EXIT.failed;
    },
  },
];

/** A Signer with the signing secret: SIGNING_KEY_SECRET, or DATA_DIR/signing-key-secret (made when missing). */
function signerFromConfig(): Signer {
  const config = loadConfig();
  return new Signer(resolveSigningSecret(config.dataDir, config.signingKeySecret).secret);
}

function readableFile(name: string | undefined): string {
  if (!name || !fs.existsSync(name) || !fs.statSync(name).isFile()) throw new CliError(`no such file: ${name ?? ''}`);
  return name;
}

function readKeysFile(name: string) {
  try {
    return parseKeys(JSON.parse(fs.readFileSync(readableFile(name), 'utf8')));
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

