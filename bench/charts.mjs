// A horizontal bar chart as a small, dependency-free SVG.

const escape = (text) =>
  String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * @param title - Shown above the bars.
 * @param bars - `{ label, value, highlight }`; values are drawn to scale and printed.
 */
export function barChart({ title, bars }) {
  const labelWidth = 250;
  const barArea = 420;
  const rowHeight = 26;
  const top = 40;
  const max = Math.max(...bars.map((bar) => bar.value)) || 1;
  const height = top + bars.length * rowHeight + 16;
  const rows = bars
    .map((bar, i) => {
      const y = top + i * rowHeight;
      const width = Math.max(2, (bar.value / max) * barArea);
      const fill = bar.highlight ? '#1f5fbf' : '#9aa7b8';
      return [
        `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${escape(bar.label)}</text>`,
        `<rect x="${labelWidth}" y="${y + 4}" width="${width.toFixed(1)}" height="16" rx="3" fill="${fill}"/>`,
        `<text x="${(labelWidth + width + 6).toFixed(1)}" y="${y + 16}">${bar.value.toFixed(2)}</text>`,
      ].join('');
    })
    .join('\n  ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + barArea + 80}" height="${height}" font-family="system-ui, sans-serif" font-size="13" fill="#1b1f24" role="img" aria-label="${escape(title)}">
  <rect width="100%" height="100%" fill="#ffffff"/>
  <text x="12" y="24" font-size="15" font-weight="600">${escape(title)}</text>
  ${rows}
</svg>
`;
}
