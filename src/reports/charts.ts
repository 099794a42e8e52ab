// Bar charts as inline SVG, drawn on the server: the report page needs no script and no build
// step, prints as it shows, and a test can count the bars. Values are plain numbers here: they
// only size the bars; the figures printed beside them are the report's own strings.

export interface Bar {
  label: string;
  value: number;
  /** What is written at the bar's end (the report's figure as it reads in the tables). */
  text: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const WIDTH = 760;
const LABEL = 250;
const ROW = 26;

/** A horizontal bar chart: one row per bar, the longest bar the full width. */
export function barChart(id: string, title: string, bars: Bar[]): string {
  const max = Math.max(0, ...bars.map((b) => b.value));
  const plot = WIDTH - LABEL - 90;
  const height = bars.length * ROW + 34;
  const rows = bars.map((b, i) => {
    const y = 28 + i * ROW;
    const w = max > 0 ? Math.max(b.value > 0 ? 1 : 0, Math.round((b.value / max) * plot)) : 0;
    return `<g class="row"><text x="${LABEL - 8}" y="${y + 14}" text-anchor="end" class="label">${escapeHtml(b.label)}</text>`
      + `<rect class="bar" x="${LABEL}" y="${y}" width="${w}" height="${ROW - 8}" data-label="${escapeHtml(b.label)}" data-value="${escapeHtml(b.text)}"><title>${escapeHtml(`${b.label}: ${b.text}`)}</title></rect>`
      + `<text x="${LABEL + w + 6}" y="${y + 14}" class="value">${escapeHtml(b.text)}</text></g>`;
  });
  return `<svg id="${id}" class="chart" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg">`
    + `<text x="0" y="16" class="title">${escapeHtml(title)}</text>${rows.join('')}</svg>`;
}
