// Starts the demo server from environment variables; see ../README.md.
import { startDemoServer } from './demo-server.ts';

const env = process.env;
const refreshStyle = env['REFRESH_STYLE'] === 'cookie' ? 'cookie' : 'body';
const server = await startDemoServer({
  port: Number(env['PORT'] ?? 4300),
  dbPath: env['DEMO_DB'] ?? '.demo-data/demo.db',
  accessTokenTtlSeconds: Number(env['ACCESS_TTL_SECONDS'] ?? 15),
  refreshStyle,
  testMode: env['DEMO_TEST_MODE'] === '1',
  staticDir: env['STATIC_DIR'] ?? 'dist/demo-app/browser',
});
// The first line is read by the e2e tests; keep its shape.
console.log(`listening ${server.url}`);
console.log(
  `\n  ngx-token-refresh demo (${refreshStyle}-style refresh): ${server.url}/  (user demo / demo-password)\n`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
