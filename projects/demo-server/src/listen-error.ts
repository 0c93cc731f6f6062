/**
 * One line for a port the server cannot listen on, naming the port and the `PORT` variable, or
 * `null` for any other error.
 */
export function describeListenError(error: unknown, port: number): string | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code !== 'EADDRINUSE' && code !== 'EACCES') {
    return null;
  }
  const problem = code === 'EADDRINUSE' ? 'is already in use' : 'is not allowed';
  const other = port === 4300 ? 4301 : 0;
  return `demo-server: port ${port} on 127.0.0.1 ${problem}; start it on another one, e.g. PORT=${other} npm start`;
}
