// Fails with a clear message when package-lock.json does not match package.json, before `npm ci`
// would fail with a less specific one (or a reader would trust a stale lock). Compares every
// dependency range and override that package.json declares with what the lock file recorded for the
// workspace root. Runs on any Node.js (it imports nothing from node_modules).
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
let lock;
try {
  lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
} catch (error) {
  fail(`package-lock.json is missing or unreadable (${error.message}).`);
}
const root = lock.packages?.[''];
if (lock.lockfileVersion !== 3 || root === undefined) {
  fail('package-lock.json is not an npm 11 lock file (lockfileVersion 3).');
}

const problems = [];
for (const field of [
  'dependencies',
  'devDependencies',
  'peerDependencies',
  'optionalDependencies',
]) {
  const wanted = manifest[field] ?? {};
  const locked = root[field] ?? {};
  for (const name of new Set([...Object.keys(wanted), ...Object.keys(locked)])) {
    if (wanted[name] !== locked[name]) {
      problems.push(
        `${field}.${name}: package.json has ${wanted[name] ?? 'nothing'}, the lock has ${locked[name] ?? 'nothing'}`,
      );
    }
  }
}
for (const [name, range] of Object.entries(manifest.overrides ?? {})) {
  const installed = lock.packages[`node_modules/${name}`]?.version;
  if (typeof range === 'string' && installed !== undefined && installed !== range) {
    problems.push(`overrides.${name}: package.json pins ${range}, the lock has ${installed}`);
  }
}
if (problems.length > 0) {
  fail(`package-lock.json does not match package.json:\n  - ${problems.join('\n  - ')}`);
}
console.log('package-lock.json matches package.json.');

function fail(message) {
  console.error(
    `${message}\nRun \`npm install\` to update the lock file and commit package-lock.json with package.json.`,
  );
  process.exit(1);
}
