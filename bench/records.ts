import crypto from 'node:crypto';

// Valid request bodies for the load: ID numbers that pass GB 11643, and service records that the
// intake rules accept (src/hours/submission.ts prepareSubmissions): no overlap with the member's other
// records, at most 12 h per China-time day, not older than 30 days, not in the future.
//
// Every record is 6 minutes long (0.10 h, 1 point at the default 10 points an hour) and sits in
// a fixed slot of the member's calendar: 100 slots a day (00:00–10:00 China time, 10 h, under
// the 12 h cap) on the 28 days before the run's anchor day. The slots are cut into lanes of 200;
// each load process gets a lane of its own and counts the slots it used per member, so two
// processes (or a warm-up and its measured run) never hand out the same slot of the same member.

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const CST = 8 * 60 * MINUTE; // China Standard Time, no daylight saving
export const SLOT_MINUTES = 6;
export const SLOT_HOURS = '0.10';
const SLOTS_PER_DAY = 100;
export const LANE_SLOTS = 200;
export const LANES = 14; // 14 × 200 slots = 28 days

/** Midnight (China time) that starts the day of `now`: the anchor every lane counts back from. */
export function chinaMidnight(now = Date.now()): number {
  return Math.floor((now + CST) / DAY) * DAY - CST;
}

/** Start of slot `slot` (0 ≤ slot < LANE_SLOTS) of lane `lane`, counted back from the anchor. */
export function slotStart(anchor: number, lane: number, slot: number): number {
  if (lane < 0 || lane >= LANES || slot < 0 || slot >= LANE_SLOTS) throw new Error(`no slot ${slot} in lane ${lane}`);
  const g = lane * LANE_SLOTS + slot;
  const daysBack = 1 + Math.floor(g / SLOTS_PER_DAY);
  return anchor - daysBack * DAY + (g % SLOTS_PER_DAY) * SLOT_MINUTES * MINUTE;
}

export interface RecordBody {
  externalId: string;
  memberId: string;
  orgUnitId: string;
  category: string;
  title: string;
  source: 'checkin';
  place: string;
  startedAt: string;
  endedAt: string;
  hours: string;
}

/** Hands out record bodies for random members, each in a free slot of this maker's lane. */
export class RecordMaker {
  private readonly used: Uint16Array;
  private count = 0;

  constructor(
    private readonly members: readonly string[],
    private readonly anchor: number,
    private readonly lane: number,
    /** Makes externalIds unique across processes and runs. */
    private readonly tag: string,
  ) {
    if (members.length === 0) throw new Error('no members');
    this.used = new Uint16Array(members.length);
  }

  next(orgUnitId: string): RecordBody {
    // A random member; when that member's lane is full, the next one along (the lane holds
    // 200 records per member, far more than a run posts, so this almost never loops).
    let i = crypto.randomInt(this.members.length);
    for (let tries = 0; this.used[i]! >= LANE_SLOTS; tries++) {
      if (tries >= this.members.length) throw new Error(`lane ${this.lane} is full`);
      i = (i + 1) % this.members.length;
    }
    const slot = this.used[i]!;
    this.used[i] = slot + 1;
    const start = slotStart(this.anchor, this.lane, slot);
    return {
      externalId: `${this.tag}-${this.count++}`,
      memberId: this.members[i]!,
      orgUnitId,
      category: 'community',
      title: '社区志愿服务',
      source: 'checkin',
      place: '社区服务中心',
      startedAt: new Date(start).toISOString(),
      endedAt: new Date(start + SLOT_MINUTES * MINUTE).toISOString(),
      hours: SLOT_HOURS,
    };
  }
}

// GB 11643: 17 digits weighted by these factors, sum mod 11 picks the check character.
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/**
 * The n-th ID number of a run: region 110105 (Beijing Chaoyang), a real birth date counted from
 * 1960-01-01, a sequence number 001–999, and the check digit. Distinct for n < 999 × 10,000.
 */
export function idNumber(n: number): string {
  const birth = new Date(Date.UTC(1960, 0, 1) + Math.floor(n / 999) * DAY);
  const date = birth.toISOString().slice(0, 10).replaceAll('-', '');
  const first17 = `110105${date}${String((n % 999) + 1).padStart(3, '0')}`;
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(first17[i]), 0);
  return first17 + CHECK[sum % 11]!;
}

/** An 11-digit mobile number starting with 1, distinct per n. */
export function phone(n: number): string {
  return `138${String(n % 100_000_000).padStart(8, '0')}`;
}
