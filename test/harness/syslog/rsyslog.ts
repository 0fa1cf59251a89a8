/**
 * A real TLS syslog receiver for the tests: Debian's rsyslogd (with rsyslog-gnutls) in the
 * foreground from a configuration of its own, listening on loopback with a certificate from a
 * CA the test makes, writing every message it receives, as received, to a file. Started and
 * stopped by the test (no systemd); it can be killed (-9) and started again on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLink, type ChainLink } from '../../../app/core/audit-chain.js';
import { createTlsMaterial, type TlsMaterial } from '../pki.js';

const RSYSLOGD = '/usr/sbin/rsyslogd';
const GTLS_DRIVER = '/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so';

/** Why rsyslog cannot run here, or null when it can. */
export function rsyslogProblem(): string | null {
  if (!existsSync(RSYSLOGD))
    return 'rsyslog is not installed (as root: apt-get install rsyslog rsyslog-gnutls)';
  if (!existsSync(GTLS_DRIVER))
    return 'rsyslog-gnutls is not installed (as root: apt-get install rsyslog-gnutls)';
  return null;
}

export interface SyslogReceiver {
  readonly port: number;
  /** What a sender must trust: the CA that issued the receiver's certificate. */
  readonly caPem: string;
  readonly caFile: string;
  /** Raw messages received so far (without their octet count), in arrival order. */
  messages(): string[];
  /** The audit links inside the messages, in arrival order (duplicates kept). */
  links(): ChainLink[];
  /** Resolves once at least `count` messages are written. */
  waitForMessages(count: number, timeoutMs?: number): Promise<void>;
  /** SIGKILL: no goodbye, whatever it had not written is lost to it. */
  kill(): Promise<void>;
  /** Starts it again on the same port, with the same certificate and output file. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function configuration(dir: string, port: number): string {
  return `
global(
  workDirectory="${dir}"
  maxMessageSize="64k"
  defaultNetstreamDriver="gtls"
  defaultNetstreamDriverCAFile="${dir}/ca.pem"
  defaultNetstreamDriverCertFile="${dir}/cert.pem"
  defaultNetstreamDriverKeyFile="${dir}/key.pem"
)
module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
template(name="asReceived" type="string" string="%rawmsg%\\n")
ruleset(name="siem" queue.type="Direct") {
  action(type="omfile" file="${dir}/received.log" template="asReceived" flushOnTXEnd="on" asyncWriting="off")
}
input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="siem")
`;
}

/**
 * Starts rsyslogd on a free loopback port with a fresh CA and certificate (or `tls`, e.g. a
 * certificate the sender will not trust).
 */
export async function startRsyslog(options: { tls?: TlsMaterial } = {}): Promise<SyslogReceiver> {
  const problem = rsyslogProblem();
  if (problem) throw new Error(problem);
  const dir = mkdtempSync(join(tmpdir(), 'releve-rsyslog-'));
  const tls = options.tls ?? (await createTlsMaterial(['localhost']));
  writeFileSync(join(dir, 'ca.pem'), tls.caPem);
  writeFileSync(join(dir, 'cert.pem'), tls.certPem);
  writeFileSync(join(dir, 'key.pem'), tls.keyPem, { mode: 0o600 });
  const port = await freePort();
  writeFileSync(join(dir, 'rsyslog.conf'), configuration(dir, port));
  const output = join(dir, 'received.log');
  let child: ChildProcess | null = null;
  let stderr = '';

  const launch = async (): Promise<void> => {
    stderr = '';
    const started = spawn(
      RSYSLOGD,
      ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    started.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child = started;
    const deadline = Date.now() + 10_000;
    while (!(await portOpen(port))) {
      if (started.exitCode !== null || Date.now() > deadline) {
        started.kill('SIGKILL');
        throw new Error(`rsyslogd did not listen on ${port}: ${stderr}`);
      }
      await sleep(25);
    }
  };
  const ended = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill(signal);
    });
  };
  const messages = (): string[] =>
    existsSync(output) ? readFileSync(output, 'utf8').split('\n').filter(Boolean) : [];

  await launch();
  return {
    port,
    caPem: tls.caPem,
    caFile: join(dir, 'ca.pem'),
    messages,
    links: () =>
      messages().flatMap((message) => {
        const json = message.slice(message.indexOf('] {') + 2);
        const parsed = parseLink(json);
        return parsed.ok ? [parsed.link] : [];
      }),
    async waitForMessages(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages().length < count) {
        if (Date.now() > deadline)
          throw new Error(`rsyslogd wrote ${messages().length} of ${count} messages; stderr: ${stderr}`);
        await sleep(25);
      }
    },
    kill: () => ended('SIGKILL'),
    restart: launch,
    async stop() {
      await ended('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
