// Run by `npm start` before the builds: a port that is taken fails at once, in one line, instead of
// after the library and the app have been built.
import { createServer } from 'node:net';

import { describeListenError } from './listen-error.ts';
import { readOptions } from './options.ts';

let port: number;
try {
  port = readOptions(process.env).port;
} catch (error) {
  console.error(`demo-server: ${(error as Error).message}`);
  process.exit(1);
}
const probe = createServer();
probe.once('error', (error) => {
  console.error(describeListenError(error, port) ?? `demo-server: ${error.message}`);
  process.exit(1);
});
probe.listen(port, '127.0.0.1', () => probe.close());
