// The ledger's one surface (DESIGN §6). Every other module writes and reads the ledger through
// what this file exports; nothing outside src/ledger touches ledger_* tables except a hot
// statement that must join them (it says so where it does, and builds account ids and
// available balances with the helpers below).
//
//  - post one entry, or many, in the caller's transaction:      post, postMany, reverseEntry
//  - embed entries in a caller's own statement, errors mapped:   embedEntry, embedEntries
//  - holds (two-phase):                                          createHold, captureHold, voidHold, getHold, expireHolds
//  - balances (balance, held, available, worked out in one place): toBalance, availableOf, readBalance, getAccount
//  - account ids:                                                memberAccount, memberHoursAccount, memberPointsAccount,
//                                                                issuanceAccount, ADJUSTMENT_POINTS, memberAccountSql
export { formatAmount, roundAmount, type Unit, Units } from './amount.js';
export {
  ADJUSTMENT_POINTS,
  type AccountUnit,
  issuanceAccount,
  memberAccount,
  memberAccountSql,
  memberHoursAccount,
  memberOfHoursAccount,
  memberPointsAccount,
} from './accountIds.js';
export { type Account, type AccountType, createAccount, getAccount, type NewAccount, openLedger } from './accounts.js';
export { availableOf, type Balance, readBalance, toBalance } from './balances.js';
export { getEntry, reverseEntry } from './entries.js';
export {
  captureHold,
  createHold,
  expireHolds,
  getHold,
  type Hold,
  type HoldEventKind,
  holdChanged,
  HoldSweeper,
  voidHold,
} from './holds.js';
export { embedEntries, embedEntry, type Entry, type EntryInput, type EntryKind, post, postMany, type PostingInput } from './post.js';
export { verifyLedger } from './verify.js';
