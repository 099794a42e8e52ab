// The ledger's one surface (DESIGN §6). Every other module writes and reads the ledger through
// what this file exports; nothing outside src/ledger names a ledger_* table. A hot statement of
// another module that must write an entry or read a balance row with its own rows in one round
// trip embeds what this facade gives it (embedEntry/embedEntries, balanceRowSql/balanceColumnSql,
// memberAccountSql) and says so where it does. The ledger knows nothing of HTTP: its routes are
// src/admin/ledgerRoutes.ts and src/admin/holdRoutes.ts.
//
//  - post one entry, or many, in the caller's transaction:      post, postMany, reverseEntry, reversalOf
//  - embed entries in a caller's own statement, errors mapped:   embedEntry, embedEntries
//  - holds (two-phase):                                          createHold, captureHold, voidHold, getHold, expireHolds
//  - balances (balance, held, available, worked out in one place): toBalance, availableOf, readBalance, getAccount
//  - what moved an account over a period (a market's day report):  accountMovement
//  - what one entry posted to one account, in a caller's statement: entryPostedSql
//  - by recorded time (a member's statement, the trial balance):  recordingClock, settledThrough,
//                                                                accountPeriodSums, accountPeriodPostings, trialBalanceRows
//  - lots and expiry (积分清零; the lots move in the database beside the write path):
//                                                                getExpiryPolicy, setExpiryPolicy, listExpiryPolicies,
//                                                                pointsExpiringSql, listLots, expireLots, ledgerNow
//  - participation reports (sums up to a sealed sequence number):  awardChangesSql, pointsFlows, foldDayTotals
//  - account ids:                                                memberAccount, memberHoursAccount, memberPointsAccount,
//                                                                issuanceAccount, ADJUSTMENT_POINTS, memberAccountSql,
//                                                                marketAccount, marketAccountSql
export { amountProblem, formatAmount, roundAmount, type Unit, Units } from './amount.js';
export {
  ADJUSTMENT_POINTS,
  type AccountUnit,
  issuanceAccount,
  marketAccount,
  marketAccountSql,
  memberAccount,
  memberAccountSql,
  memberHoursAccount,
  memberOfHoursAccount,
  memberPointsAccount,
} from './accountIds.js';
export {
  type Account,
  accountMovement,
  type AccountMovement,
  type AccountType,
  AccountTypes,
  createAccount,
  getAccount,
  listPostings,
  type NewAccount,
  openLedger,
} from './accounts.js';
export { availableOf, type Balance, balanceColumnSql, balanceJsonSql, balanceRowSql, readBalance, toBalance } from './balances.js';
export { entryPostedSql, entryRecordedAtSql, getEntry, reversalOf, reverseEntry } from './entries.js';
export {
  type Capture,
  captureHold,
  createHold,
  expireHolds,
  getHold,
  type Hold,
  type HoldEventKind,
  HoldEventKinds,
  holdChanged,
  HoldStatuses,
  type NewHold,
  voidHold,
} from './holds.js';
export {
  embedEntries,
  embedEntry,
  type Entry,
  type EntryInput,
  type EntryKind,
  EntryKinds,
  post,
  postMany,
  type PostedManyRow,
  type Posting,
  type PostingInput,
  toPosting,
} from './post.js';
export { VERIFY_CHECKS, type Verification, verifyLedger } from './verify.js';
export {
  type ExpiryPolicy,
  type ExpiryPolicyKind,
  ExpiryPolicyKinds,
  getExpiryPolicy,
  ledgerNow,
  listExpiryPolicies,
  listLots,
  type Lot,
  type LotMove,
  LotMoveKinds,
  type NewExpiryPolicy,
  type PointsExpiring,
  pointsExpiringOf,
  pointsExpiringSql,
  setExpiryPolicy,
} from './lots.js';
export { EXPIRY_BATCH, expireLots, type ExpiryRun } from './expiry.js';
export {
  accountPeriodPostings,
  type AccountPeriodQuery,
  accountPeriodSums,
  type AccountPeriodSums,
  type PeriodPosting,
  type PostingPosition,
  recordingClock,
  settledThrough,
} from './periods.js';
export { trialBalanceRows, type TrialBalanceRow } from './trialBalance.js';
export { awardChangesSql, type PointsFlows, pointsFlows } from './reports.js';
export { foldDayTotals } from './dayTotals.js';
