// Calls the generated types must refuse. Each line below is a type error, and tsc fails on an
// unused @ts-expect-error: if the document stopped describing these shapes (an `any`, a lost
// enum, a missing operationId), the type-check of test/openapi-client.test.ts fails.
import type { operations } from './api.js';
import type { Account, LedgerClient, Member, NewAccount, NewEntry } from './client.js';

export function misuse(client: LedgerClient): void {
  // @ts-expect-error amounts are decimal strings, never numbers
  const entry: NewEntry = { reason: 'x', postings: [{ accountId: 'a', unit: 'POINTS', direction: 'debit', amount: 5 }] };
  // @ts-expect-error the unit is HOURS or POINTS
  const unit: NewAccount['unit'] = 'EUR';
  // @ts-expect-error a balance is a decimal string, not a number
  const balance: number = (null as unknown as Account).balance;
  // @ts-expect-error hoursToNextStar may be null (a nullable named schema keeps its null)
  const toNext: string = (null as unknown as Member).hoursToNextStar;
  // @ts-expect-error an operationId the document does not have
  type Missing = operations['postV1Accounts'];
  // @ts-expect-error a path the API does not have
  void client.call('get', '/v1/acounts/{id}', { params: { id: 'a' } });
  // @ts-expect-error a method the path does not have
  void client.call('delete', '/v1/accounts/{id}', { params: { id: 'a' } });
  // @ts-expect-error a path parameter is required
  void client.call('get', '/v1/members/{id}', {});
  // @ts-expect-error a body is required
  void client.call('post', '/v1/entries', {});
  void entry;
  void balance;
  void toNext;
  void unit;
  void (null as unknown as Missing);
}
