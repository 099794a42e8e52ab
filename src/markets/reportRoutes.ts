import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { qualityOf } from '../http/accept.js';
import { callerOf } from '../http/auth.js';
import { MarketId, problemResponses } from '../http/schemas.js';
import { counterReaders } from './counter.js';
import { dayReport, dayReportCsv, DifferenceChecks } from './dayReport.js';

// A market's day report (对账): admins and auditors read any market's, a pos key its own market's.

const Points = z.string().describe('Points, a decimal string');
const StockBy = z
  .object({ sale: z.number().int(), refund: z.number().int(), restock: z.number().int(), correction: z.number().int() })
  .meta({ id: 'StockMovementsByKind', description: 'Stock movements summed by kind, signed: a sale takes stock (negative), a refund gives it back' });

const TerminalDay = z
  .object({
    terminalId: z.string().nullable().describe('Null: receipts made with a key of no terminal (an admin key)'),
    sales: z.number().int().describe('Sale receipts'),
    refunds: z.number().int().describe('Refund receipts'),
    pointsTaken: Points.describe('The sale receipts summed'),
    pointsReturned: Points.describe('The refund receipts summed'),
    net: Points.describe('pointsTaken − pointsReturned'),
  })
  .meta({ id: 'TerminalDay' });

const ItemDay = z
  .object({
    itemId: z.uuid(),
    sku: z.string(),
    name: z.string(),
    kind: z.enum(['goods', 'service']),
    quantitySold: z.number().int().describe("On the day's sale receipts"),
    quantityRefunded: z.number().int().describe("On the day's refund receipts"),
    pointsTaken: Points,
    pointsReturned: Points,
    stockMovements: StockBy,
    openingStock: z.number().int().nullable().describe('Goods: the stock left by the last movement before the day (0 if none); services: null'),
    closingStock: z.number().int().nullable().describe('Goods: the stock left by the last movement up to the end of the day; services: null'),
  })
  .meta({ id: 'ItemDay' });

const DayReportSchema = z
  .object({
    marketId: MarketId,
    date: z.string().describe('The China-time calendar day (YYYY-MM-DD)'),
    from: z.string().describe('Its first instant'),
    to: z.string().describe('The first instant after it'),
    terminals: z.array(TerminalDay),
    items: z.array(ItemDay).describe('Every item the market had by the end of the day'),
    totals: TerminalDay.omit({ terminalId: true }).extend({ quantitySold: z.number().int(), quantityRefunded: z.number().int(), stockMovements: StockBy }),
    ledger: z
      .object({ accountId: z.string(), movement: Points.describe('Signed sum of its postings'), postings: z.number().int() })
      .describe("The market's points account in the ledger: its postings of entries recorded that day"),
    reconciled: z.boolean().describe('True when ledger.movement = totals.net and every item passes the stock checks'),
    differences: z
      .array(
        z
          .object({
            check: z.enum(DifferenceChecks),
            sku: z.string().nullable(),
            expected: z.string().describe('What the receipts say (stock_chain: closing − opening stock)'),
            actual: z.string().describe('What the ledger or the stock movements say'),
          })
          .meta({ id: 'DayDifference' }),
      )
      .describe(
        'What disagrees (empty when reconciled): ledger (points), stock_sale / stock_refund (movements of that kind against the quantities on ' +
          'the receipts), stock_chain (the movements against closing − opening stock)',
      ),
  })
  .meta({ id: 'MarketDay' });

/** CSV when the query says so, or when the client asks for text/csv rather than JSON. */
export function wantsCsv(format: 'json' | 'csv' | undefined, accept: string | undefined): boolean {
  if (format) return format === 'csv';
  const csv = qualityOf(accept ?? '', 'text/csv');
  return csv > 0 && csv > qualityOf(accept ?? '', 'application/json');
}

export const reportRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/markets/:id/days/:date', {
    config: { roles: counterReaders },
    schema: {
      tags: ['markets'],
      summary: "A market's day (对账): per terminal and per item, reconciled with the ledger and the stock movements",
      description:
        'The China-time day: receipts by their recorded time, stock movements by theirs. Per terminal: sales, refunds, points taken and returned. ' +
        'Per item: quantities and points on the receipts, stock movements by kind, opening and closing stock. Reconciled (账物相符) when the ' +
        "market account's ledger movement that day equals the points taken less those returned, and per item the stock movements of kind " +
        'sale and refund equal the quantities on the receipts and lead from the opening to the closing stock; otherwise `differences` says ' +
        'what disagrees. JSON, or CSV with `?format=csv` or `Accept: text/csv`: one row per terminal, per item, the totals and each ' +
        'difference, told apart by the `section` column; UTF-8 with a byte order mark, so that Excel shows the Chinese names right.',
      params: z.object({ id: MarketId, date: z.iso.date().describe('YYYY-MM-DD, China time') }),
      querystring: z.object({ format: z.enum(['json', 'csv']).optional().describe('Overrides the Accept header') }),
      response: {
        200: {
          description: 'The day report, as JSON or CSV',
          content: { 'application/json': { schema: DayReportSchema }, 'text/csv': { schema: z.string() } },
        },
        ...problemResponses('validation_failed', 'market_not_found', 'market_out_of_scope'),
      },
    },
    handler: async (request, reply) => {
      const report = await dayReport(app.db, callerOf(request), request.params.id, request.params.date);
      if (!wantsCsv(request.query.format, request.headers.accept)) return report;
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="market-${report.marketId}-${report.date}.csv"`)
        // A Buffer is sent as it is: the response schema above only documents it.
        .send(Buffer.from(dayReportCsv(report), 'utf8') as unknown as string);
    },
  });
};
