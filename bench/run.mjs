// npm run bench: runs every measurement of bench/README.md, prints the tables side by side, writes
// bench/results.json and bench/results.md, the SVG charts in docs/, and the figures of
// docs/performance.md between its bench markers. `--quick` shrinks every measurement (for a smoke run).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { browserBurst } from './browser.mjs';
import { measureBreakdown, measureBundles } from './bundle.mjs';
import { barChart } from './charts.mjs';
import { renderMarkdown } from './report.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');

const nodeResults = JSON.parse(
  execFileSync(
    process.execPath,
    ['--expose-gc', join(ROOT, 'bench/run-node.mjs'), ...(quick ? ['--quick'] : [])],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    },
  )
    .toString()
    .trim()
    .split('\n')
    .pop(),
);
process.stderr.write('6/7 bundle cost (one production build per variant)\n');
const bundles = measureBundles(undefined, { withRaw: !quick });
bundles.breakdown = measureBreakdown('ngx-token-refresh');
process.stderr.write('7/7 real browser burst\n');
const browser = await browserBurst(quick ? { rounds: 3 } : {});

const results = {
  measuredAt: new Date().toISOString(),
  machine: `${process.platform} ${process.arch}, Node ${process.versions.node}`,
  ...nodeResults,
  bundles,
  browser,
};
const markdown = renderMarkdown(results);
console.log(markdown);

writeFileSync(join(ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(ROOT, 'bench/results.md'), markdown);
writeFileSync(
  join(ROOT, 'docs/bench-overhead.svg'),
  barChart({
    title: 'Overhead per request over a bare HttpClient (µs, median)',
    bars: Object.entries(results.perRequest)
      .filter(([name]) => name !== 'bare')
      .map(([name, row]) => ({
        label: name,
        value: row.overheadMicros,
        highlight: name === 'ngx-token-refresh',
      })),
  }),
);
writeFileSync(
  join(ROOT, 'docs/bench-release.svg'),
  barChart({
    title: 'Releasing N waiting requests after one refresh (µs per waiter, median)',
    bars: results.release.map((row) => ({
      label: `${row.variant}, N=${row.size.toLocaleString('en')}`,
      value: row.perWaiterMicros,
      highlight: row.variant === 'ngx-token-refresh',
    })),
  }),
);
const guidePath = join(ROOT, 'docs/performance.md');
const guide = readFileSync(guidePath, 'utf8');
const start = '<!-- bench:start -->';
const end = '<!-- bench:end -->';
if (!guide.includes(start) || !guide.includes(end)) {
  throw new Error(`${guidePath} has lost its ${start} / ${end} markers`);
}
writeFileSync(
  guidePath,
  `${guide.slice(0, guide.indexOf(start) + start.length)}\n${markdown}\n${guide.slice(guide.indexOf(end))}`,
);
