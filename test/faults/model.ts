import { Decimal } from 'decimal.js';

// An in-memory model of the hours → points → stars rules and of idempotent writes, written from
// the README and the design, not from src/: the property test runs the same operations through
// the API and here, and compares. Members, records, entries and keys are numbered in the order
// they were made; account names are symbolic ("member:0:hours"), the test maps them to real ids.

export type Unit = 'HOURS' | 'POINTS';
export type Source = 'checkin' | 'manual';
export type Status = 'submitted' | 'verified' | 'rejected' | 'revoked';
export type RatingStars = '1' | '2' | '3' | '4' | '5';

export interface RuleSpec {
  pointsPerHour: string;
  categoryMultipliers: Record<string, string>;
  ratingBonus: Partial<Record<RatingStars, string>>;
  pointSources: Source[];
  /** Hours a member may have on one China-time day, counting live (submitted or verified) records. */
  dailyCapHours: string;
}

/** Version 1 of every tenant. */
export const DEFAULT_RULE: RuleSpec = {
  pointsPerHour: '10',
  categoryMultipliers: {},
  ratingBonus: {},
  pointSources: ['checkin', 'manual'],
  dailyCapHours: '12',
};
export const DEFAULT_THRESHOLDS = ['100', '300', '600', '1000', '1500'];

/** Where a record's slot lies: slot s is 3 hours from 07:00 + 3 h × (s mod 5), China time, 1 + ⌊s / 5⌋ days ago. */
export const SLOTS_PER_DAY = 5;
export const SLOT_HOURS = 3;
export const slotDay = (slot: number) => 1 + Math.floor(slot / SLOTS_PER_DAY);
export const slotStartHour = (slot: number) => 7 + SLOT_HOURS * (slot % SLOTS_PER_DAY);

/** Half-up to two decimals: the ledger's one rounding. */
export const round2 = (d: Decimal.Value) => new Decimal(d).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
export const fmt = (d: Decimal.Value) => round2(d).toFixed(2);

export function awardPoints(rule: RuleSpec, hours: Decimal.Value, category: string, source: Source): Decimal {
  if (!rule.pointSources.includes(source)) return new Decimal(0);
  return round2(new Decimal(hours).times(rule.pointsPerHour).times(rule.categoryMultipliers[category] ?? 1));
}

export const bonusFor = (rule: RuleSpec, stars: number) => round2(rule.ratingBonus[String(stars) as RatingStars] ?? 0);

export const starsFor = (hours: Decimal.Value, thresholds: readonly string[]) => thresholds.filter((t) => new Decimal(hours).gte(t)).length;

/** Hours still to go to the next star; null at five stars. */
export function hoursToNextStar(hours: Decimal.Value, thresholds: readonly string[]): string | null {
  const next = thresholds.find((t) => new Decimal(hours).lt(t));
  return next === undefined ? null : fmt(new Decimal(next).minus(hours));
}

/** A posting, signed: a credit is positive. */
export interface Posting {
  account: string;
  unit: Unit;
  amount: Decimal;
}

export type EntryTag = 'manual' | 'reversal' | 'award' | 'bonus' | 'adjustment' | 'award reversal' | 'bonus reversal';

/** The ledger's kind of each model entry. */
export const KIND: Record<EntryTag, string> = {
  manual: 'adjustment',
  reversal: 'reversal',
  award: 'award',
  bonus: 'bonus',
  adjustment: 'adjustment',
  'award reversal': 'reversal',
  'bonus reversal': 'reversal',
};

export interface ModelEntry {
  tag: EntryTag;
  /** The service record the entry belongs to (its entries are reversed only through it), or null. */
  record: number | null;
  /** The rule version an award or bonus was computed under; null otherwise. */
  ruleVersion: number | null;
  postings: Posting[];
  /** The entry this one reverses, and the one that reversed this (indices into entries). */
  reverses: number | null;
  reversedBy: number | null;
}

export interface ModelRecord {
  member: number;
  orgUnit: string;
  slot: number;
  category: string;
  source: Source;
  hours: Decimal;
  status: Status;
  ruleVersion: number | null;
  points: Decimal | null;
  awardEntry: number | null;
  rating: number | null;
  bonus: Decimal | null;
  bonusEntry: number | null;
}

export interface ModelMember {
  /** Who registered: the same person (ID number) twice is refused. */
  person: number;
  stars: number;
  /** Every change of stars, oldest first, as [from, to]. */
  starHistory: [number, number][];
}

export type Manual = 'spend' | 'grant hours' | 'grant points' | 'take hours';

/**
 * A concrete operation: indices already resolved against the model's lists. `key` is its
 * idempotency key: `x<n>` is a service record's externalId, `k<n>` an Idempotency-Key header.
 * Two operations with one key and the same fields (but `key`, `via`) are the same request.
 */
export type Op = (
  | { op: 'register'; person: number }
  | { op: 'post'; member: number; orgUnit: string; slot: number; hours: string; category: string; source: Source; via: 'single' | 'batch' }
  | { op: 'verify'; record: number }
  | { op: 'reject'; record: number }
  | { op: 'rate'; record: number; stars: number }
  | { op: 'correct'; record: number; hours: string; force: boolean }
  | { op: 'revoke'; record: number; force: boolean }
  | { op: 'entry'; kind: Manual; member: number; amount: string }
  | { op: 'reverse'; entry: number }
  | { op: 'rule'; rule: RuleSpec }
  | { op: 'thresholds'; thresholds: string[] }
) & { key: string };

export interface Expected {
  status: number;
  code?: string;
  /** The answer is the first answer to this key again (Idempotent-Replayed: true). */
  replayed?: boolean;
  /** This answer is now what the key answers (the test keeps it, to compare replays with). */
  stored?: boolean;
  /** Entries the operation wrote, in the order the answer names them. */
  entries: ModelEntry[];
  /** Set by record operations that moved the member's stars. */
  starChange?: [number, number] | null;
  /** Set by corrections and revocations. */
  correction?: { forced: boolean; shortfall: string };
  /** Set by new star thresholds: how many members' stars moved. */
  starsChanged?: number;
}

const refusal = (status: number, code: string): Expected => ({ status, code, entries: [] });

/** Org units whose records are verified as they are posted. */
export const AUTO_VERIFIED = new Set(['a1']);

/** What a key answers: the request that it answers for (its signature), and the outcome. */
interface StoredKey {
  signature: string;
  status: number;
  code?: string;
}

/** The request an operation makes, without its key: equal signatures, equal requests. */
export function signature(op: Op): string {
  const { key: _key, ...rest } = op;
  if (rest.op === 'post') {
    const { via: _via, ...record } = rest;
    return JSON.stringify(record);
  }
  return JSON.stringify(rest);
}

export class Model {
  rules: RuleSpec[] = [DEFAULT_RULE];
  thresholds: string[] = [...DEFAULT_THRESHOLDS];
  members: ModelMember[] = [];
  records: ModelRecord[] = [];
  entries: ModelEntry[] = [];
  balances = new Map<string, Decimal>();
  /** Keys in the order they were first used, and what each answers. */
  keys = new Map<string, StoredKey>();
  /** Every request made, in order (a retry picks one of them). */
  sent: Op[] = [];
  private keyCount = 0;

  get ruleVersion(): number {
    return this.rules.length;
  }

  get rule(): RuleSpec {
    return this.rules[this.ruleVersion - 1]!;
  }

  /** A key never used before: `x<n>` for a record's externalId, `k<n>` for any other write. */
  newKey(forRecord: boolean): string {
    return `${forRecord ? 'x' : 'k'}${this.keyCount++}`;
  }

  balance(account: string): Decimal {
    return this.balances.get(account) ?? new Decimal(0);
  }

  /** Member accounts and the market never go below zero; issuance and adjustment accounts may. */
  static nonNegative(account: string): boolean {
    return account.startsWith('member:') || account === 'market';
  }

  /**
   * Idempotency first: a key already used for the same request answers as it did the first time
   * (a success or a refusal that depended on the ledger) and changes nothing; for another request
   * it is 409 idempotency_conflict, except that a record whose externalId was refused may be
   * corrected and posted again under it. Otherwise the operation runs, and its answer is kept.
   */
  apply(op: Op): Expected {
    this.sent.push(op);
    const sig = signature(op);
    const stored = this.keys.get(op.key);
    if (stored) {
      if (stored.signature === sig) {
        return { status: stored.status, ...(stored.code ? { code: stored.code } : {}), replayed: true, entries: [] };
      }
      if (!(op.op === 'post' && stored.status >= 400)) return refusal(409, 'idempotency_conflict');
    }
    const expected = this.run(op);
    // Every refusal the model makes (404, 409, 422) depends on the ledger's state, and is kept.
    this.keys.set(op.key, { signature: sig, status: expected.status, ...(expected.code ? { code: expected.code } : {}) });
    return { ...expected, stored: true };
  }

  private run(op: Op): Expected {
    switch (op.op) {
      case 'register':
        if (this.members.some((m) => m.person === op.person)) return refusal(409, 'member_exists');
        this.members.push({ person: op.person, stars: 0, starHistory: [] });
        return { status: 201, entries: [] };
      case 'post':
        return this.post(op);
      case 'verify': {
        const r = this.records[op.record]!;
        if (r.status !== 'submitted') return refusal(409, 'record_status_conflict');
        return this.verify(op.record, 200);
      }
      case 'reject': {
        const r = this.records[op.record]!;
        if (r.status !== 'submitted') return refusal(409, 'record_status_conflict');
        r.status = 'rejected';
        return { status: 200, entries: [], starChange: null };
      }
      case 'rate':
        return this.rate(op.record, op.stars);
      case 'correct':
        return this.correct(op.record, new Decimal(op.hours), op.force);
      case 'revoke':
        return this.revoke(op.record, op.force);
      case 'entry':
        return this.manual(op.kind, op.member, new Decimal(op.amount));
      case 'reverse':
        return this.reverse(op.entry);
      case 'rule':
        this.rules.push(op.rule);
        return { status: 201, entries: [] };
      case 'thresholds': {
        this.thresholds = [...op.thresholds];
        const moved = this.members.map((_, i) => this.restar(i)).filter((c) => c !== null).length;
        return { status: 200, entries: [], starsChanged: moved };
      }
    }
  }

  /** The hours of the member's live (submitted or verified) records starting on `day`, but `except`. */
  private dayHours(member: number, day: number, except: ModelRecord | null): Decimal {
    return this.records
      .filter((r) => r !== except && r.member === member && (r.status === 'submitted' || r.status === 'verified') && slotDay(r.slot) === day)
      .reduce((sum, r) => sum.plus(r.hours), new Decimal(0));
  }

  /** Posting checks the cap of the rule in force. */
  private post(op: Extract<Op, { op: 'post' }>): Expected {
    const live = this.records.filter((r) => r.member === op.member && (r.status === 'submitted' || r.status === 'verified'));
    // Slots never partly overlap: two records overlap exactly when they share a slot.
    if (live.some((r) => r.slot === op.slot)) return refusal(409, 'overlapping_record');
    const hours = new Decimal(op.hours);
    if (this.dayHours(op.member, slotDay(op.slot), null).plus(hours).gt(this.rule.dailyCapHours)) return refusal(422, 'daily_cap_exceeded');
    const record: ModelRecord = {
      member: op.member,
      orgUnit: op.orgUnit,
      slot: op.slot,
      category: op.category,
      source: op.source,
      hours,
      status: 'submitted',
      ruleVersion: null,
      points: null,
      awardEntry: null,
      rating: null,
      bonus: null,
      bonusEntry: null,
    };
    this.records.push(record);
    if (AUTO_VERIFIED.has(op.orgUnit)) return this.verify(this.records.length - 1, 201);
    return { status: 201, entries: [], starChange: null };
  }

  private awardPostings(r: ModelRecord, hours: Decimal, points: Decimal): Posting[] {
    const postings: Posting[] = [
      { account: `issuance:${r.orgUnit}:hours`, unit: 'HOURS', amount: hours.neg() },
      { account: `member:${r.member}:hours`, unit: 'HOURS', amount: hours },
    ];
    if (points.gt(0)) {
      postings.push(
        { account: `issuance:${r.orgUnit}:points`, unit: 'POINTS', amount: points.neg() },
        { account: `member:${r.member}:points`, unit: 'POINTS', amount: points },
      );
    }
    return postings;
  }

  /** The award follows the rule in force at verification. */
  private verify(index: number, status: number): Expected {
    const r = this.records[index]!;
    const points = awardPoints(this.rule, r.hours, r.category, r.source);
    const award = this.write({ tag: 'award', record: index, ruleVersion: this.ruleVersion, postings: this.awardPostings(r, r.hours, points) });
    Object.assign(r, { status: 'verified', ruleVersion: this.ruleVersion, points, awardEntry: this.entries.indexOf(award) });
    return { status, entries: [award], starChange: this.restar(r.member) };
  }

  private rate(index: number, stars: number): Expected {
    const r = this.records[index]!;
    if (r.rating !== null) return refusal(409, 'already_rated');
    if (r.status !== 'verified') return refusal(409, 'record_status_conflict');
    // The bonus follows the rule in force when the rating arrives.
    const bonus = bonusFor(this.rule, stars);
    r.rating = stars;
    if (bonus.isZero()) return { status: 200, entries: [], starChange: null };
    const entry = this.write({
      tag: 'bonus',
      record: index,
      ruleVersion: this.ruleVersion,
      postings: [
        { account: `issuance:${r.orgUnit}:points`, unit: 'POINTS', amount: bonus.neg() },
        { account: `member:${r.member}:points`, unit: 'POINTS', amount: bonus },
      ],
    });
    r.bonus = bonus;
    r.bonusEntry = this.entries.indexOf(entry);
    return { status: 200, entries: [entry], starChange: null };
  }

  /**
   * Points already spent are never clawed back below zero: refused, or with force the shortfall
   * comes from the adjustment account first. Returns the adjustment entry's postings, or a refusal.
   */
  private cover(member: number, takeBack: Decimal, force: boolean): { shortfall: Decimal; postings: Posting[] | null } | Expected {
    const available = Decimal.max(this.balance(`member:${member}:points`), 0);
    const shortfall = Decimal.max(takeBack.minus(available), 0);
    if (shortfall.isZero()) return { shortfall, postings: null };
    if (!force) return refusal(422, 'points_already_spent');
    return {
      shortfall,
      postings: [
        { account: 'adjustment:points', unit: 'POINTS', amount: shortfall.neg() },
        { account: `member:${member}:points`, unit: 'POINTS', amount: shortfall },
      ],
    };
  }

  /**
   * A correction's or revocation's entries, in one transaction: all or nothing. Returns them, or
   * the refusal (a points shortfall there is "already spent").
   */
  private writeAll(parts: Omit<ModelEntry, 'reversedBy'>[]): Expected | ModelEntry[] {
    const saved = new Map(this.balances);
    for (const part of parts) {
      const problem = this.check(part.postings);
      if (problem) {
        this.balances = saved;
        return problem.code === 'insufficient_points' ? refusal(422, 'points_already_spent') : problem;
      }
      for (const p of part.postings) this.balances.set(p.account, this.balance(p.account).plus(p.amount));
    }
    this.balances = saved;
    return parts.map((part) => this.write(part));
  }

  /** Correction: same rule version as the first award (points and daily cap): a later rule never changes a past award. */
  private correct(index: number, hours: Decimal, force: boolean): Expected {
    const r = this.records[index]!;
    if (r.status !== 'verified') return refusal(409, 'record_status_conflict');
    if (hours.eq(r.hours)) return refusal(409, 'record_status_conflict');
    const rule = this.rules[r.ruleVersion! - 1]!;
    if (this.dayHours(r.member, slotDay(r.slot), r).plus(hours).gt(rule.dailyCapHours)) return refusal(422, 'daily_cap_exceeded');
    const points = awardPoints(rule, hours, r.category, r.source);
    const cover = this.cover(r.member, Decimal.max(r.points!.minus(points), 0), force);
    if ('status' in cover) return cover;
    const written = this.writeAll([
      ...(cover.postings ? [{ tag: 'adjustment' as const, record: index, ruleVersion: null, postings: cover.postings, reverses: null }] : []),
      { tag: 'award', record: index, ruleVersion: r.ruleVersion, postings: this.awardPostings(r, hours, points), reverses: null },
      { tag: 'award reversal', record: index, ruleVersion: null, postings: mirror(this.entries[r.awardEntry!]!.postings), reverses: r.awardEntry! },
    ]);
    if (!Array.isArray(written)) return written;
    const award = written.find((e) => e.tag === 'award')!;
    Object.assign(r, { hours, points, awardEntry: this.entries.indexOf(award) });
    return { status: 200, entries: written, starChange: this.restar(r.member), correction: { forced: cover.postings !== null, shortfall: fmt(cover.shortfall) } };
  }

  private revoke(index: number, force: boolean): Expected {
    const r = this.records[index]!;
    if (r.status !== 'verified') return refusal(409, 'record_status_conflict');
    const cover = this.cover(r.member, r.points!.plus(r.bonus ?? 0), force);
    if ('status' in cover) return cover;
    const written = this.writeAll([
      ...(cover.postings ? [{ tag: 'adjustment' as const, record: index, ruleVersion: null, postings: cover.postings, reverses: null }] : []),
      { tag: 'award reversal', record: index, ruleVersion: null, postings: mirror(this.entries[r.awardEntry!]!.postings), reverses: r.awardEntry! },
      ...(r.bonusEntry !== null
        ? [{ tag: 'bonus reversal' as const, record: index, ruleVersion: null, postings: mirror(this.entries[r.bonusEntry]!.postings), reverses: r.bonusEntry }]
        : []),
    ]);
    if (!Array.isArray(written)) return written;
    r.status = 'revoked';
    return { status: 200, entries: written, starChange: this.restar(r.member), correction: { forced: cover.postings !== null, shortfall: fmt(cover.shortfall) } };
  }

  private manual(kind: Manual, member: number, amount: Decimal): Expected {
    const [from, to, unit]: [string, string, Unit] =
      kind === 'spend'
        ? [`member:${member}:points`, 'market', 'POINTS']
        : kind === 'grant hours'
          ? ['issuance:s1:hours', `member:${member}:hours`, 'HOURS']
          : kind === 'grant points'
            ? ['issuance:s1:points', `member:${member}:points`, 'POINTS']
            : [`member:${member}:hours`, 'issuance:s1:hours', 'HOURS'];
    const postings: Posting[] = [
      { account: from, unit, amount: amount.neg() },
      { account: to, unit, amount },
    ];
    const problem = this.check(postings);
    if (problem) return problem;
    const entry = this.write({ tag: 'manual', record: null, ruleVersion: null, postings });
    if (unit === 'HOURS') this.restar(member);
    return { status: 201, entries: [entry] };
  }

  private reverse(index: number): Expected {
    const original = this.entries[index]!;
    if (original.record !== null) return refusal(409, 'entry_belongs_to_record');
    if (original.reverses !== null) return refusal(422, 'entry_not_reversible');
    if (original.reversedBy !== null) return refusal(409, 'already_reversed');
    const postings = mirror(original.postings);
    const problem = this.check(postings);
    if (problem) return problem;
    const entry = this.write({ tag: 'reversal', record: null, ruleVersion: null, postings, reverses: index });
    for (const p of postings) {
      const m = /^member:(\d+):hours$/.exec(p.account);
      if (m) this.restar(Number(m[1]));
    }
    return { status: 201, entries: [entry] };
  }

  /** A refusal when a posting would take a non-negative account below zero. */
  private check(postings: Posting[]): Expected | null {
    for (const p of postings) {
      if (Model.nonNegative(p.account) && this.balance(p.account).plus(p.amount).lt(0)) {
        return refusal(422, p.unit === 'HOURS' ? 'insufficient_hours' : 'insufficient_points');
      }
    }
    return null;
  }

  private write(e: Omit<ModelEntry, 'reverses' | 'reversedBy'> & { reverses?: number | null }): ModelEntry {
    for (const p of e.postings) this.balances.set(p.account, this.balance(p.account).plus(p.amount));
    const entry: ModelEntry = { ...e, reverses: e.reverses ?? null, reversedBy: null };
    this.entries.push(entry);
    if (entry.reverses !== null) this.entries[entry.reverses]!.reversedBy = this.entries.length - 1;
    return entry;
  }

  /** Stars from the member's hours now; returns the change, or null. */
  private restar(member: number): [number, number] | null {
    const m = this.members[member]!;
    const to = starsFor(this.balance(`member:${member}:hours`), this.thresholds);
    if (to === m.stars) return null;
    const change: [number, number] = [m.stars, to];
    m.starHistory.push(change);
    m.stars = to;
    return change;
  }
}

export function mirror(postings: Posting[]): Posting[] {
  return postings.map((p) => ({ ...p, amount: p.amount.neg() }));
}
