// Starts the demo server from environment variables; see ../README.md.
import { SEEDED_USERS, startDemoServer } from './demo-server.ts';
import { describeListenError } from './listen-error.ts';
import { readOptions } from './options.ts';

let options;
try {
  options = readOptions(process.env);
} catch (error) {
  console.error(`demo-server: ${(error as Error).message}`);
  process.exit(1);
}

let server;
try {
  server = await startDemoServer(options);
} catch (error) {
  const message = describeListenError(error, options.port);
  if (message === null) {
    throw error;
  }
  console.error(message);
  process.exit(1);
}
// The first line is read by the e2e tests and the load script; keep its shape.
console.log(`listening ${server.url}`);
const users = SEEDED_USERS.map((user) => `${user.username} / ${user.password}`).join(', ');
const mode = `${options.refreshStyle}-style refresh${options.dpop ? ', DPoP-bound tokens' : ''}`;
console.log(`\n  ngx-token-refresh demo (${mode}): ${server.url}/  (users ${users})\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
