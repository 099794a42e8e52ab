// The demo county as data: org units, members, the points rule and a plan of service records.
// Everything comes from a fixed seed, so every run (on any tenant, any day) plans the same
// county; only the dates of the records move with today (China time).

/** Appended to every demo member's name, so a demo person can never be taken for a real one. */
export const DEMO_MARK = '（演示）';

/** The name of the API key the demo filler acts as: every demo record and entry carries its id. */
export const DEMO_KEY_NAME = '演示数据 demo filler (revoked: never usable)';

/** Every demo card number starts with this. */
export const DEMO_CARD_PREFIX = 'DEMO-';

export const MEMBERS = 200;
/** Records lie on the days 1..DAYS before today (China time). */
export const DAYS = 120;
/** The back-dating window the rule needs while the demo fills (records go back DAYS days). */
export const FILL_BACKDATING_DAYS = DAYS + 30;
/** The window the rule is put back to once the records are in: the default rule's. */
export const USUAL_BACKDATING_DAYS = 30;

export const orgUnits = [
  { id: 'demo-center', kind: 'center', parentId: null, name: '示范县新时代文明实践中心', autoVerify: false },
  { id: 'demo-chengguan', kind: 'institute', parentId: 'demo-center', name: '城关镇新时代文明实践所', autoVerify: false },
  { id: 'demo-qingshan', kind: 'institute', parentId: 'demo-center', name: '青山镇新时代文明实践所', autoVerify: false },
  // The five stations are trusted: their records are verified as they are posted (autoVerify).
  { id: 'demo-dongguan', kind: 'station', parentId: 'demo-chengguan', name: '东关社区新时代文明实践站', autoVerify: true },
  { id: 'demo-xiguan', kind: 'station', parentId: 'demo-chengguan', name: '西关社区新时代文明实践站', autoVerify: true },
  { id: 'demo-nanjie', kind: 'station', parentId: 'demo-chengguan', name: '南街村新时代文明实践站', autoVerify: true },
  { id: 'demo-liushu', kind: 'station', parentId: 'demo-qingshan', name: '柳树村新时代文明实践站', autoVerify: true },
  { id: 'demo-shiqiao', kind: 'station', parentId: 'demo-qingshan', name: '石桥村新时代文明实践站', autoVerify: true },
] as const;

export const stations = orgUnits.filter((u) => u.kind === 'station');
export const demoOrgUnitIds: readonly string[] = orgUnits.map((u) => u.id);

const places: Record<string, string[]> = {
  'demo-dongguan': ['东关社区党群服务中心', '东关社区日间照料中心', '东关小学'],
  'demo-xiguan': ['西关社区文化广场', '西关社区老年活动室', '西关农贸市场'],
  'demo-nanjie': ['南街村文化礼堂', '南街村卫生室', '南街村村委会'],
  'demo-liushu': ['柳树村农家书屋', '柳树村幸福院', '柳树村文化广场'],
  'demo-shiqiao': ['石桥村党群服务站', '石桥村留守儿童之家', '石桥村河道'],
};

/** The rule the demo county runs: 10 points an hour, more for elderly care and tutoring, a rating bonus. */
export const demoRule = {
  pointsPerHour: '10',
  categoryMultipliers: { elderly: '1.2', education: '1.1' },
  ratingBonus: { '5': '5.00', '4': '2.00' },
  dailyCapHours: '12',
  pointSources: ['checkin', 'manual'] as ('checkin' | 'manual')[],
};

const services = [
  { category: 'elderly', titles: ['敬老院陪护', '为独居老人送餐', '老年人智能手机教学', '助老理发'], beneficiary: '辖区老年人' },
  { category: 'education', titles: ['留守儿童课业辅导', '暑期托管', '四点半课堂'], beneficiary: '辖区未成年人' },
  { category: 'environment', titles: ['人居环境整治', '垃圾分类宣传', '河道清理', '植树护绿'], beneficiary: '全体居民' },
  { category: 'civility', titles: ['文明交通劝导', '移风易俗宣讲', '文明餐桌宣传'], beneficiary: '全体居民' },
  { category: 'culture', titles: ['广场舞培训', '农家书屋值守', '送戏下乡'], beneficiary: '全体居民' },
  { category: 'health', titles: ['义诊进社区', '防溺水宣传', '应急救护培训'], beneficiary: '辖区群众' },
];

const surnames = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢'.split('');
const maleNames = ['伟', '强', '磊', '军', '勇', '杰', '涛', '明', '超', '建国', '志刚', '国强', '海波', '永庆', '德华', '春生', '立新', '文斌'];
const femaleNames = ['芳', '娜', '敏', '静', '丽', '艳', '娟', '霞', '秀英', '桂兰', '玉珍', '丽华', '淑珍', '红梅', '晓燕', '春花', '秀兰', '雪梅'];
const comments = ['很耐心', '服务周到，谢谢！', '认真负责', '态度很好', '准时到达，效率高', '老人很满意', '孩子很喜欢', '辛苦了'];
const leads = ['王书记', '李站长', '张所长', '刘主任', '陈老师'];

/** mulberry32: a small seeded generator; the same seed gives the same county everywhere. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_DIGITS = '10X98765432';

/**
 * A GB 11643 ID number with a valid birth date and check digit, under region code 99xxxx: no
 * province has code 99, so a demo number can never be a real person's, and its masked form
 * (9901**********…) shows it is a demo number.
 */
export function demoIdNumber(region: string, birth: Date, sequence: number): string {
  const date = birth.toISOString().slice(0, 10).replaceAll('-', '');
  const body = `${region}${date}${String(sequence).padStart(3, '0')}`;
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(body[i]), 0);
  return body + CHECK_DIGITS[sum % 11]!;
}

export interface DemoMember {
  index: number;
  name: string;
  idNumber: string;
  phone: string;
  card: string;
  homeOrgUnitId: string;
  /** The chance of serving on a given day. */
  activity: number;
}

export function demoMembers(): DemoMember[] {
  const rnd = random(20261204);
  return Array.from({ length: MEMBERS }, (_, index) => {
    const station = index % stations.length;
    const male = rnd() < 0.45;
    const name = `${pick(rnd, surnames)}${pick(rnd, male ? maleNames : femaleNames)}${DEMO_MARK}`;
    const birth = new Date(Date.UTC(1950, 0, 1) + Math.floor(rnd() * 56 * 365.25) * 86400000);
    // The sequence code is odd for men, even for women, as GB 11643 has it; index*2 keeps it unique.
    const sequence = index * 2 + (male ? 1 : 0);
    const r = rnd();
    const activity = r < 0.2 ? 0.35 : r < 0.6 ? 0.12 : 0.04;
    return {
      index,
      name,
      idNumber: demoIdNumber(`9901${String(station + 1).padStart(2, '0')}`, birth, sequence),
      phone: `1990000${String(index + 1).padStart(4, '0')}`,
      card: `${DEMO_CARD_PREFIX}${String(index + 1).padStart(6, '0')}`,
      homeOrgUnitId: stations[station]!.id,
      activity,
    };
  });
}

export interface PlannedRecord {
  externalId: string;
  member: number;
  orgUnitId: string;
  category: string;
  title: string;
  source: 'checkin' | 'manual';
  place: string;
  beneficiary: string;
  lead: string;
  /** Days before today (China time), hour and minute of the start, China time. */
  daysAgo: number;
  startHour: number;
  startMinute: number;
  /** Hours between start and end (a multiple of half an hour). */
  span: number;
  hours: string;
  rating: { stars: number; comment: string } | null;
}

/**
 * The service records: each member serves on a day with their own chance, at most once a day
 * (so never overlapping and far below the daily cap), mostly at their home station. The
 * externalId names the member and the day offset, never a date: a run on a later day finds the
 * same records and adds nothing.
 */
export function demoRecords(members: DemoMember[]): PlannedRecord[] {
  const rnd = random(42);
  const planned: PlannedRecord[] = [];
  for (let daysAgo = DAYS; daysAgo >= 1; daysAgo--) {
    for (const m of members) {
      if (rnd() >= m.activity) continue;
      const orgUnitId = rnd() < 0.85 ? m.homeOrgUnitId : pick(rnd, stations).id;
      const service = pick(rnd, services);
      const span = 1 + Math.floor(rnd() * 7) / 2; // 1 to 4 hours
      const hours = rnd() < 0.3 ? span - 0.5 : span; // travel excluded
      const rated = rnd() < 0.25; // about a quarter of the residents served rate the service (评单)
      const s = rnd();
      planned.push({
        externalId: `demo-m${String(m.index).padStart(3, '0')}-d${String(daysAgo).padStart(3, '0')}`,
        member: m.index,
        orgUnitId,
        category: service.category,
        title: pick(rnd, service.titles),
        source: rnd() < 0.85 ? 'checkin' : 'manual',
        place: pick(rnd, places[orgUnitId]!),
        beneficiary: service.beneficiary,
        lead: pick(rnd, leads),
        daysAgo,
        startHour: 8 + Math.floor(rnd() * 9),
        startMinute: rnd() < 0.5 ? 0 : 30,
        span,
        hours: hours.toFixed(1),
        rating: rated ? { stars: s < 0.6 ? 5 : s < 0.9 ? 4 : s < 0.98 ? 3 : 2, comment: pick(rnd, comments) } : null,
      });
    }
  }
  return planned;
}

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;
const CST_MS = 8 * HOUR_MS;

/** A planned record's period as RFC 3339 strings with the China offset, relative to `now`. */
export function periodOf(r: PlannedRecord, now: Date): { startedAt: string; endedAt: string } {
  const today = Math.floor((now.getTime() + CST_MS) / DAY_MS) * DAY_MS - CST_MS;
  const start = today - r.daysAgo * DAY_MS + r.startHour * HOUR_MS + r.startMinute * 60000;
  const end = start + r.span * HOUR_MS;
  const cst = (t: number) => `${new Date(t + CST_MS).toISOString().slice(0, 19)}+08:00`;
  return { startedAt: cst(start), endedAt: cst(end) };
}
