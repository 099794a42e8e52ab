import { barChart, escapeHtml } from './charts.js';
import type { ParticipationReport } from './participation.js';

// The report as a page (参与情况报表): figures, three charts drawn as inline SVG (hours by month,
// by unit, star distribution) and the tables behind them. No script, no external resource, so it
// reads the same with JavaScript off and prints on A4 (print CSS). Each figure carries
// data-figure so a test can read it from the page.

const KIND_ZH: Record<string, string> = { center: '中心', institute: '所', station: '站', point: '点' };

const STYLE = `
  body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 24px auto; max-width: 960px; color: #222; }
  h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 24px 0 8px; border-bottom: 1px solid #ccc; padding-bottom: 4px; }
  .meta { color: #555; font-size: 13px; }
  dl.figures { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; margin: 12px 0; }
  dl.figures div { border: 1px solid #ddd; border-radius: 4px; padding: 8px; }
  dt { font-size: 12px; color: #666; } dd { margin: 2px 0 0; font-size: 20px; font-weight: bold; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; } th, td { border: 1px solid #ddd; padding: 4px 6px; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  .chart { display: block; margin: 8px 0; max-width: 100%; height: auto; }
  .chart .bar { fill: #c0392b; } .chart .title { font-size: 14px; font-weight: bold; } .chart .label, .chart .value { font-size: 12px; fill: #333; }
  code { font-size: 12px; word-break: break-all; }
  @page { size: A4; margin: 15mm; }
  @media print { body { margin: 0; max-width: none; } section { break-inside: avoid; } dl.figures { grid-template-columns: repeat(4, 1fr); } }
`;

const n = (v: string) => Number(v);

function figure(name: string, label: string, value: string | number | null): string {
  return `<div><dt>${escapeHtml(label)}</dt><dd data-figure="${name}">${escapeHtml(value === null ? '—' : String(value))}</dd></div>`;
}

const percent = (share: string) => `${(Number(share) * 100).toFixed(2)}%`;

export function reportPage(r: ParticipationReport): string {
  const figures = [
    figure('registeredMembers', '注册志愿者', r.registeredMembers),
    figure('activeVolunteers', '活跃志愿者', r.activeVolunteers),
    figure('hours', '服务时长（小时）', r.hours),
    figure('hoursPerActiveVolunteer', '人均时长（小时）', r.hoursPerActiveVolunteer),
    figure('creditHours', '信用时长（签到签退）', r.creditHours),
    figure('manualHours', '补录时长（工作人员录入）', r.manualHours),
    figure('records', '服务记录（条）', r.records),
    figure('goalShare', `达到年度目标（${r.goal.periodHours} 小时）`, `${percent(r.goal.share)}（${r.goal.membersReaching} 人）`),
    figure('participationRate', '居民参与率', r.participationRate === null ? null : percent(r.participationRate)),
    figure('pointsIssued', '发放积分', r.points.issued),
    figure('pointsSpent', '兑换积分', r.points.spent),
    figure('pointsRefunded', '退还积分', r.points.refunded),
    figure('pointsExpired', '清零积分', r.points.expired),
  ];
  const months = barChart('chart-months', '各月服务时长（小时）', r.rows.map((row) => ({ label: row.key, value: n(row.hours), text: row.hours })));
  const units = barChart('chart-units', '各单位服务时长（小时）', r.units.map((u) => ({ label: u.id === r.orgUnit.id ? `${u.name}（本级）` : u.name, value: n(u.hours), text: u.hours })));
  const stars = barChart('chart-stars', '星级分布（人）', r.stars.map((s) => ({ label: s.stars === 0 ? '未评星' : `${s.stars} 星`, value: s.members, text: String(s.members) })));
  const snapshot = r.snapshot
    ? `截至封存块 #${r.snapshot.blockNo}（序号 ≤ ${escapeHtml(r.snapshot.lastSeq)}，封存于 ${escapeHtml(r.snapshot.sealedAt)}）<br>块哈希 <code data-figure="snapshotHash">${escapeHtml(r.snapshot.hash)}</code>`
    : '尚无封存块：账本数字为零';
  const monthRows = r.rows
    .map((row) => `<tr><td>${escapeHtml(row.key)}</td><td>${row.records}</td><td>${row.hours}</td><td>${row.creditHours}</td><td>${row.manualHours}</td><td>${row.activeVolunteers}</td><td>${row.issued ?? ''}</td><td>${row.spent ?? ''}</td></tr>`)
    .join('');
  const categoryRows = r.topCategories.map((c) => `<tr><td>${escapeHtml(c.category)}</td><td>${c.records}</td><td>${c.hours}</td></tr>`).join('');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<title>${escapeHtml(r.orgUnit.name)} 志愿服务参与情况报表 ${escapeHtml(r.period.from)} 至 ${escapeHtml(r.period.to)}</title>
<style>${STYLE}</style></head>
<body>
<header><h1>${escapeHtml(r.orgUnit.name)} 志愿服务参与情况报表</h1>
<p class="meta">${escapeHtml(KIND_ZH[r.orgUnit.kind] ?? r.orgUnit.kind)} ${escapeHtml(r.orgUnit.id)}（含下属单位） · 期间 ${escapeHtml(r.period.from)} 至 ${escapeHtml(r.period.to)}（北京时间）<br>${snapshot}</p></header>
<section><h2>主要指标</h2><dl class="figures">${figures.join('')}</dl></section>
<section><h2>各月服务时长</h2>${months}</section>
<section><h2>各单位服务时长</h2>${units}</section>
<section><h2>星级分布</h2>${stars}</section>
<section><h2>按月明细</h2><table id="months"><thead><tr><th>月份</th><th>记录</th><th>时长</th><th>信用时长</th><th>补录时长</th><th>活跃志愿者</th><th>发放积分</th><th>兑换积分</th></tr></thead><tbody>${monthRows}</tbody></table></section>
<section><h2>主要服务类别</h2><table id="categories"><thead><tr><th>类别</th><th>记录</th><th>时长</th></tr></thead><tbody>${categoryRows}</tbody></table></section>
</body></html>`;
}
