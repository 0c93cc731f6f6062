// Renders bench results as Markdown tables: measured figures, side by side, with the ratios that
// compare them. docs/performance.md shows them between its bench markers.

const us = (value) => (value === null || value === undefined ? '–' : value.toFixed(2));
const x = (value) => `${value.toFixed(2)}×`;
const kb = (bytes) => (bytes === null ? '–' : `${(bytes / 1024).toFixed(1)} KB`);
const signedKb = (bytes) => `${bytes >= 0 ? '+' : '−'}${(Math.abs(bytes) / 1024).toFixed(2)} KB`;

export function renderMarkdown(results) {
  const lines = [
    `Measured ${results.measuredAt} on ${results.machine}; medians over interleaved rounds.`,
    '',
  ];
  const per = results.perRequest;
  lines.push(
    '**1. Happy path** (valid token, synchronous fake backend, 100k requests per variant)',
    '',
    '| variant | µs per request | overhead over bare (µs) | ratio to bare |',
    '|---|---:|---:|---:|',
    ...Object.entries(per).map(
      ([name, row]) =>
        `| ${name} | ${us(row.micros)} | ${us(row.overheadMicros)} | ${x(row.ratio)} |`,
    ),
    '',
    '**2. Requests the library leaves alone** (ratio to bare; an interceptor that only calls `next()` shows the floor of any interceptor)',
    '',
    '| request | bare (µs) | empty interceptor | one inject() | ngx-token-refresh |',
    '|---|---:|---:|---:|---:|',
    ...Object.entries(results.untouched).map(
      ([label, rows]) =>
        `| ${label} | ${us(rows.bare.micros)} | ${x(rows['empty interceptor'].ratio)} | ${x(rows['one inject()'].ratio)} | ${x(rows['ngx-token-refresh'].ratio)} |`,
    ),
    '',
    'An interceptor configured through DI must `inject()` its configuration on every request; the `one inject()` column is that floor, measured here.',
    '',
  );

  const sizes = [...new Set(results.bursts.map((row) => row.size))];
  lines.push(
    '**3. Bursts** of N concurrent requests with an expired token, slow refresh: refresh calls / successes / errors / still pending',
    '',
    `| scenario | variant | ${sizes.map((size) => `N=${size}`).join(' | ')} |`,
    `|---|---|${sizes.map(() => '---').join('|')}|`,
  );
  const groups = new Map();
  for (const row of results.bursts) {
    const key = `${row.scenario}|${row.variant}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const [key, rows] of groups) {
    const [scenario, variant] = key.split('|');
    const cells = sizes.map((size) => {
      const row = rows.find((candidate) => candidate.size === size);
      return `${row.refreshCalls} / ${row.succeeded} / ${row.failed} / ${row.pending}`;
    });
    lines.push(`| ${scenario} | ${variant} | ${cells.join(' | ')} |`);
  }
  lines.push(
    '',
    'Attach-only variants (naive-attach, @auth0/angular-jwt, angular-auth-oidc-client) never refresh on a 401, so they have no row here.',
    '',
  );

  const releaseSizes = [...new Set(results.release.map((row) => row.size))];
  const release = (variant, size) =>
    results.release.find((row) => row.variant === variant && row.size === size).perWaiterMicros;
  const first = releaseSizes[0];
  const last = releaseSizes[releaseSizes.length - 1];
  lines.push(
    '**4. Release scaling**: from the refresh answer to all N waiters retried and completed, µs per waiter',
    '',
    `| variant | ${releaseSizes.map((size) => `N=${size.toLocaleString('en')}`).join(' | ')} | growth ${last.toLocaleString('en')} / ${first.toLocaleString('en')} |`,
    `|---|${releaseSizes.map(() => '---:').join('|')}|---:|`,
    ...[...new Set(results.release.map((row) => row.variant))].map(
      (variant) =>
        `| ${variant} | ${releaseSizes.map((size) => us(release(variant, size))).join(' | ')} | ${x(release(variant, last) / release(variant, first))} |`,
    ),
    '',
    `ngx-token-refresh against naive-queue, the bare callback array: ${releaseSizes.map((size) => `${x(release('ngx-token-refresh', size) / release('naive-queue', size))} at N=${size.toLocaleString('en')}`).join(', ')}.`,
    '',
  );

  const memory = results.memory;
  lines.push(
    '**5. Memory** (heap after forced GC, against the heap before)',
    '',
    '| after | heap delta |',
    '|---|---:|',
    `| 100k requests | ${kb(memory.after100kRequestsDelta)} |`,
    `| 1000 refresh cycles | ${kb(memory.after1000RefreshesDelta)} |`,
    '',
  );

  if (results.dpop) {
    lines.push(
      '**5b. DPoP happy path** (`withDpop()`: a proof signed with WebCrypto per request, so requests complete asynchronously; 100 in flight at a time, against the same app with Bearer tokens in the same rounds)',
      '',
      '| variant | µs per request | ratio | overhead µs |',
      '|---|---:|---:|---:|',
      ...Object.entries(results.dpop).map(
        ([name, row]) =>
          `| ${name} | ${us(row.micros)} | ${x(row.ratio)} | ${us(row.overheadMicros)} |`,
      ),
      '',
    );
  }

  const bundles = results.bundles;
  lines.push(
    '**6. Bundle cost**: what the page of a minimal production app (`@angular/build`) loads before the app starts (the main bundle and any chunk it imports), default wiring',
    '',
    '| variant | raw | minified | gzip | brotli | gzip over bare | brotli over bare |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...Object.entries(bundles.rows).map(
      ([name, row]) =>
        `| ${name} | ${kb(row.raw)} | ${kb(row.minified)} | ${kb(row.gzip)} | ${kb(row.brotli)} | ${signedKb(row.gzipDelta)} | ${signedKb(row.brotliDelta)} |`,
    ),
    '',
    ...featureCostLines(bundles.rows),
    ...breakdownLines(bundles.breakdown),
    `In the ngx-token-refresh app: ${Object.entries(bundles.optionalParts)
      .map(([part, included]) => `${part}: ${included ? 'included' : 'tree-shaken'}`)
      .join('; ')}.`,
    '',
  );

  const browser = results.browser;
  lines.push(
    '**7. Real browser**: headless Chromium against the demo server, a burst of 50 calls',
    '',
  );
  if (browser.skipped) {
    lines.push(`Skipped: ${browser.skipped}.`);
  } else {
    lines.push(
      '| floor: 401 + refresh + 200 | 50 calls, valid token | 50 calls, expired token | expired / floor | expired / valid | refresh calls per burst |',
      '|---:|---:|---:|---:|---:|---:|',
      `| ${browser.floorMs.toFixed(1)} ms | ${browser.validBurstMs.toFixed(1)} ms | ${browser.burstMs.toFixed(1)} ms | ${x(browser.ratioToFloor)} | ${x(browser.ratioToValidBurst)} | ${browser.maxRefreshCallsPerBurst} |`,
      '',
      'Chromium opens at most 6 HTTP/1.1 connections per origin, so 50 calls (and their 50 retries) queue; ' +
        'the valid-token burst shows what the same 50 calls cost without any refresh.',
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * What each part of the library's default wiring is for, by source file: the contract point a byte
 * pays for. Files not listed (RxJS's, the app's own) are grouped by where they come from.
 */
const CONCERNS = [
  [
    'one refresh for all 401s, waiters, refresh timeout',
    [
      'refresh-gate',
      'waiter-queue',
      'first-or-after',
      'refresh-hold',
      'refresh-coordinator',
      'request-authorizer',
      'with-offline-hold',
    ],
  ],
  ['which requests get the token (origins, skipUrls, base URL)', ['request-matching', 'context']],
  [
    'the session: store reads, serialized writes, a new login wins',
    ['session', 'store-calls', 'token-store'],
  ],
  ["the server's challenge decides whether to refresh", ['www-authenticate', 'challenge-decision']],
  ['the refresh call and its answer, checked', ['refresh-call', 'refresh-request']],
  ['proactive refresh before expiry (`expiryLeeway`)', ['jwt-expiry']],
  [
    'provider, interceptor, service, coded errors',
    [
      'provide-token-refresh',
      'token-refresh-config',
      'token-refresh-interceptor',
      'token-refresh-service',
      'errors',
    ],
  ],
];

/** The default wiring's bytes by concern, from the source-mapped breakdown (bench/bundle.mjs). */
export function breakdownLines(breakdown) {
  if (!breakdown) {
    return [];
  }
  const fileOf = (source) => source.replace(/^.*\//, '').replace(/\.ts$/, '');
  const groups = CONCERNS.map(([concern, files]) => ({
    concern,
    rows: breakdown.rows.filter(
      (row) =>
        row.source.startsWith('projects/token-refresh/') && files.includes(fileOf(row.source)),
    ),
  }));
  const grouped = new Set(groups.flatMap((group) => group.rows));
  const library = breakdown.rows.filter(
    (row) => row.source.startsWith('projects/token-refresh/') && !grouped.has(row),
  );
  const rxjs = breakdown.rows.filter((row) => row.source.startsWith('rxjs/'));
  const app = breakdown.rows.filter(
    (row) => !row.source.startsWith('projects/token-refresh/') && !row.source.startsWith('rxjs/'),
  );
  groups.push(
    { concern: 'other library files', rows: library },
    { concern: 'RxJS code the bare app does not load', rows: rxjs },
    { concern: "the app's own `provideTokenRefresh({...})` call", rows: app },
  );
  const sum = (rows, field) => rows.reduce((total, row) => total + row[field], 0);
  return [
    `Where the default wiring's ${signedKb(breakdown.gzipDelta)} go (\`npm run size:breakdown\`; a source-mapped build of the same app). The marginal cost of a file is what the gzip bundle loses without its bytes; marginal costs add up to a little less than the delta, because gzip shares repeated text across files:`,
    '',
    '| what it pays for | files | minified bytes | marginal gzip bytes |',
    '|---|---|---:|---:|',
    ...groups
      .filter((group) => group.rows.length > 0)
      .map(
        ({ concern, rows }) =>
          `| ${concern} | ${rows.map((row) => `\`${fileOf(row.source)}\``).join(', ')} | ${sum(rows, 'minifiedDelta')} | ${sum(rows, 'gzipMarginal')} |`,
      ),
    '',
  ];
}

/** What each optional feature adds on top of the default wiring, from the bundle rows. */
function featureCostLines(rows) {
  const base = rows['ngx-token-refresh'];
  const features = Object.entries(rows).filter(([name]) => name.startsWith('ngx-token-refresh + '));
  if (!base || features.length === 0) {
    return [];
  }
  return [
    'What each feature adds to the default wiring (gzip):',
    '',
    '| wiring | gzip over bare | the feature alone |',
    '|---|---:|---:|',
    `| default (\`provideTokenRefresh\` + \`tokenRefreshInterceptor\`) | ${signedKb(base.gzipDelta)} | |`,
    ...features.map(
      ([name, row]) =>
        `| default + ${name.slice('ngx-token-refresh + '.length)} | ${signedKb(row.gzipDelta)} | ${signedKb(row.gzipDelta - base.gzipDelta)} |`,
    ),
    '',
  ];
}
