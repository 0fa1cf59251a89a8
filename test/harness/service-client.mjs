// A client of the Relève service's socket in plain Node (no TypeScript, no app code), so a test
// can run it as any user (setpriv) or kill it as a real process. It sends the JSON frames given
// on the command line, one per line, and prints every line the service sends back; with --stay
// it keeps the connection open until killed. It exits when the service closes the connection.
// Usage: node service-client.mjs SOCKET [--stay] [FRAME_JSON...]
import { connect } from 'node:net';
import process from 'node:process';

const [path, ...rest] = process.argv.slice(2);
const stay = rest.includes('--stay');
const frames = rest.filter((arg) => arg !== '--stay');
const socket = connect(path);
let received = 0;
socket.setEncoding('utf8');
socket.on('connect', () => {
  process.stdout.write('connected\n');
  for (const frame of frames) socket.write(`${frame}\n`);
});
socket.on('data', (chunk) => {
  process.stdout.write(chunk);
  received += chunk.split('\n').filter(Boolean).length;
  if (!stay && received >= frames.filter((f) => f.includes('"request"')).length) socket.end();
});
socket.on('error', (error) => process.stdout.write(`error ${error.code ?? error.message}\n`));
socket.on('close', () => {
  process.stdout.write('closed\n');
  process.exit(0);
});
