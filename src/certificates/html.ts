import QRCode from 'qrcode';
import { chinaTime } from '../chinaTime.js';
import type { CertificateStatus } from './check.js';
import type { PublicCertificate } from './document.js';

// The two pages of a certificate, rendered on the server: the printable certificate (A4, Chinese,
// with a QR code of its public check address) and the public check page. Plain HTML and CSS, no
// script and nothing fetched from elsewhere: they read the same with JavaScript off, and print.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (text: unknown) => String(text ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** An RFC 3339 time as China time, "2026-12-04 08:30". */
function cst(iso: string): string {
  return chinaTime(new Date(iso)).slice(0, 16).replace('T', ' ');
}

function dateZh(day: string): string {
  const [y, m, d] = day.split('-');
  return `${y}年${Number(m)}月${Number(d)}日`;
}

/** The Content-Security-Policy of both pages: inline styles and nothing else. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const STYLE = `
  @page { size: A4; margin: 16mm 15mm; }
  * { box-sizing: border-box; }
  body { margin: 0; font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", "Source Han Serif SC", "Songti SC", serif; color: #111; background: #eee; }
  .sheet { width: 210mm; min-height: 297mm; margin: 8mm auto; padding: 16mm 15mm; background: #fff; box-shadow: 0 0 4px #999; }
  h1 { text-align: center; font-size: 26pt; letter-spacing: 0.3em; margin: 0 0 4mm; }
  .number { text-align: right; font-size: 10.5pt; margin-bottom: 6mm; }
  p.lead { font-size: 12.5pt; line-height: 2; text-indent: 2em; margin: 0 0 5mm; }
  table { width: 100%; border-collapse: collapse; font-size: 9.5pt; }
  th, td { border: 1px solid #333; padding: 1.5mm 2mm; vertical-align: top; }
  th { background: #f1f1f1; }
  td.num, th.num { text-align: right; white-space: nowrap; }
  tfoot td { font-weight: bold; }
  .footer { display: flex; justify-content: space-between; align-items: flex-end; margin-top: 10mm; font-size: 11pt; }
  .issuer p { margin: 0 0 2mm; text-align: right; }
  .qr { width: 34mm; text-align: center; font-size: 8pt; word-break: break-all; }
  .qr svg { width: 30mm; height: 30mm; display: block; margin: 0 auto 1mm; }
  .note { font-size: 8.5pt; color: #444; margin-top: 6mm; line-height: 1.6; }
  .banner { padding: 4mm 5mm; margin-bottom: 6mm; border: 2px solid; font-size: 14pt; font-weight: bold; }
  .banner.valid { border-color: #1a7f37; color: #1a7f37; background: #eef8f0; }
  .banner.changed { border-color: #b35900; color: #8a4500; background: #fff4e5; }
  .banner.withdrawn, .banner.forged, .banner.missing { border-color: #b3261e; color: #b3261e; background: #fdecea; }
  .banner small { display: block; font-size: 10.5pt; font-weight: normal; margin-top: 2mm; color: #333; }
  ul.changes { font-size: 10.5pt; line-height: 1.8; }
  @media print { body { background: #fff; } .sheet { margin: 0; padding: 0; width: auto; min-height: 0; box-shadow: none; } }
`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main class="sheet">
${body}
</main>
</body>
</html>
`;
}

function recordsTable(c: PublicCertificate): string {
  const rows = c.records
    .map(
      (r) => `<tr data-record="${r.no}">
  <td class="num">${r.no}</td><td>${esc(r.orgUnit)}</td><td>${esc(cst(r.startedAt))} 至 ${esc(cst(r.endedAt).slice(11))}</td>
  <td>${esc(r.title)}</td><td>${esc(r.content ?? '')}</td><td class="num record-hours">${esc(r.hours)}</td>
</tr>`,
    )
    .join('\n');
  return `<table class="records">
<thead><tr><th class="num">序号</th><th>记录单位</th><th>服务时间</th><th>活动名称</th><th>服务内容</th><th class="num">时长（小时）</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot><tr><td colspan="5">合计 <span id="total-records">${c.totals.records}</span> 条</td><td class="num" id="total-hours">${esc(c.totals.hours)}</td></tr></tfoot>
</table>`;
}

function lead(c: PublicCertificate): string {
  const purpose = c.purpose ? `特此证明，供${esc(c.purpose)}使用。` : '特此证明。';
  return `<p class="lead">兹证明 <strong id="member-name">${esc(c.member.name)}</strong>（身份证号 <span id="member-id">${esc(c.member.idNumberMasked)}</span>）
于 ${dateZh(c.period.from)} 至 ${dateZh(c.period.to)} 期间，在${esc(c.issuer)}及其下属单位参加志愿服务 ${c.totals.records} 次，
经审核累计服务时长 ${esc(c.totals.hours)} 小时；出具时为 <span id="stars">${c.stars}</span> 星级志愿者。${purpose}</p>`;
}

/** The printable certificate, with the QR code of its check address (an SVG drawn here, on the server). */
export async function certificatePage(c: PublicCertificate, checkUrl: string, keyId: string): Promise<string> {
  const qr = await QRCode.toString(checkUrl, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  return page(
    `志愿服务记录证明 ${c.number}`,
    `<h1>志愿服务记录证明</h1>
<div class="number">编号：<span id="certificate-number">${esc(c.number)}</span></div>
${lead(c)}
${recordsTable(c)}
<div class="footer">
  <div class="qr">${qr}<span>扫码核验</span></div>
  <div class="issuer">
    <p>出具单位：<span id="issuer">${esc(c.issuer)}</span>（盖章）</p>
    <p>出具日期：<span id="issue-date">${dateZh(c.issueDate)}</span></p>
  </div>
</div>
<p class="note">本证明依据志愿服务记录出具（谁记录谁证明），免费出具。真伪及是否仍然有效请扫描二维码或访问
<span id="check-url">${esc(checkUrl)}</span> 核验；证明内容经数字签名（Ed25519，密钥 ${esc(keyId)}），任何改动均无法通过核验。</p>`,
  );
}

const BANNERS: Record<CertificateStatus['status'], string> = {
  valid: '✓ 证明真实有效',
  changed: '⚠ 证明真实，但其中的服务记录在出具后已变更',
  withdrawn: '✗ 该证明已被出具单位撤回',
  forged: '✗ 证明内容与签名不符，不能作为有效证明',
};

function changeLine(ch: CertificateStatus['changes'][number]): string {
  const what = ch.kind === 'revoked' ? '已被撤销' : `已被更正，更正后时长 ${esc(ch.hoursAfter ?? '')} 小时`;
  return `<li data-change="${ch.recordNo}" data-kind="${ch.kind}">第 ${ch.recordNo} 条「${esc(ch.title)}」于 ${esc(cst(ch.at))} ${what}</li>`;
}

/** The public check page of a certificate found by its code. */
export function checkPage(s: CertificateStatus): string {
  const c = s.certificate;
  const detail =
    s.status === 'withdrawn'
      ? `<small>撤回时间：${esc(cst(s.withdrawal!.at))}；原因：<span id="withdrawal-reason">${esc(s.withdrawal!.reason)}</span></small>`
      : s.status === 'changed'
        ? `<small>以下记录在证明出具后有变更，证明所载内容不再完全反映当前记录：</small>`
        : s.status === 'valid'
          ? `<small>证明由 ${esc(c.issuer)} 于 ${dateZh(c.issueDate)} 出具，签名有效，所列记录均未变更。</small>`
          : '';
  const changes = s.changes.length > 0 ? `<ul class="changes">\n${s.changes.map(changeLine).join('\n')}\n</ul>` : '';
  return page(
    `证明核验 ${c.number}`,
    `<h1>证明核验</h1>
<div class="banner ${s.status}" id="status" data-status="${s.status}">${BANNERS[s.status]}${detail}</div>
${changes}
<div class="number">编号：<span id="certificate-number">${esc(c.number)}</span>　出具单位：<span id="issuer">${esc(c.issuer)}</span>　出具日期：<span id="issue-date">${dateZh(c.issueDate)}</span></div>
${lead(c)}
${recordsTable(c)}`,
  );
}

/** What any code that finds nothing gets: the same page, whatever the code was. */
export function notFoundPage(): string {
  return page('证明核验', `<h1>证明核验</h1>\n<div class="banner missing" id="status" data-status="not_found">✗ 未找到该证明<small>请核对二维码或核验地址是否完整。</small></div>`);
}
