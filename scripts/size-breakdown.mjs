// Where the default wiring's bytes come from (`npm run size:breakdown`): builds the minimal app of the
// size budget with source maps, with and without ngx-token-refresh, and prints the table of
// docs/performance.md (bytes by what they pay for), then every source file the bare app lacks.
import { measureBreakdown } from '../bench/bundle.mjs';
import { breakdownLines } from '../bench/report.mjs';

const breakdown = measureBreakdown('ngx-token-refresh');
console.log(
  [
    ...breakdownLines(breakdown),
    '| source file | minified bytes | marginal gzip bytes |',
    '|---|---:|---:|',
    ...breakdown.rows.map(
      ({ source, minifiedDelta, gzipMarginal }) =>
        `| \`${source}\` | ${minifiedDelta} | ${gzipMarginal} |`,
    ),
  ].join('\n'),
);
