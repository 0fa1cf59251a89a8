/**
 * A throwaway LemonLDAP::NG 2.16 (Debian's packages): its FastCGI portal behind nginx with TLS on
 * a loopback port, its own CA, configured from the kit IT gets
 * (resources/idp/lemonldap-ng/lmConf-releve.json) against a directory started by the test
 * (test/harness/directory/slapd.ts). No systemd: the harness starts both processes and stops
 * them by their pids. Never packaged.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTlsMaterial, type TlsMaterial } from '../pki.js';
import { KIT_DIR, requireSystemFiles, type LdapDirectory } from '../directory/slapd.js';
import { createServer } from 'node:net';

export interface LemonLdap {
  /** `https://127.0.0.1:<port>` (portal and OIDC issuer). */
  readonly issuer: string;
  readonly caPem: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The last lines the FastCGI server and nginx wrote (for a failing test's message). */
  logs(): string;
  stop(): Promise<void>;
}

export interface LemonLdapOptions {
  readonly directory: LdapDirectory;
  readonly tls?: TlsMaterial;
  /** `warn` by default; `debug` to see what the portal does. */
  readonly logLevel?: string;
}

/** The user the FastCGI server runs as (it refuses root) and nginx's workers too. */
const SERVICE_USER = { name: 'www-data', uid: 33, gid: 33 };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function getStatus(url: string, caPem: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { ca: caPem, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

const jsonText = (value: string): string => JSON.stringify(value).slice(1, -1);

async function chownTree(paths: readonly string[]): Promise<void> {
  for (const path of paths) await chown(path, SERVICE_USER.uid, SERVICE_USER.gid);
}

export async function startLemonLdap(options: LemonLdapOptions): Promise<LemonLdap> {
  requireSystemFiles({
    '/usr/sbin/llng-fastcgi-server': 'lemonldap-ng-fastcgi-server',
    '/usr/share/lemonldap-ng/portal/htdocs/index.psgi': 'lemonldap-ng',
    '/usr/sbin/nginx': 'nginx',
    '/var/lib/lemonldap-ng/conf/lmConf-1.json': 'lemonldap-ng',
  });
  const tls = options.tls ?? (await createTlsMaterial(['localhost']));
  const dir = await mkdtemp(join(tmpdir(), 'releve-llng-'));
  await chmod(dir, 0o755);
  const sub = (name: string): string => join(dir, name);
  const dirs = [
    'conf',
    'sessions',
    'sessions/lock',
    'psessions',
    'psessions/lock',
    'cache',
    'run',
    'nginx',
  ].map(sub);
  for (const path of dirs) await mkdir(path, { recursive: true });
  const port = await freePort();
  const issuer = `https://127.0.0.1:${port}`;
  const clientId = 'releve-workstations';
  const clientSecret = randomBytes(24).toString('base64url');
  const signing = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kit = (await readFile(join(KIT_DIR, 'lmConf-releve.json'), 'utf8'))
    .replaceAll('@LDAP_URL@', jsonText(options.directory.url))
    .replaceAll('@LDAP_SUFFIX@', jsonText(options.directory.suffix))
    .replaceAll('@LDAP_READER_DN@', jsonText(options.directory.readerDn))
    .replaceAll('@LDAP_READER_PASSWORD@', jsonText(options.directory.readerPassword))
    .replaceAll('@ISSUER@', issuer)
    .replaceAll('@SIGNING_KEY_ID@', randomBytes(6).toString('hex'))
    .replaceAll(
      '@SIGNING_PRIVATE_KEY_PEM@',
      jsonText(signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    )
    .replaceAll(
      '@SIGNING_PUBLIC_KEY_PEM@',
      jsonText(signing.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    )
    .replaceAll('@CLIENT_ID@', clientId)
    .replaceAll('@CLIENT_SECRET@', clientSecret);
  // The kit's `_comment*` keys explain it to IT; they are not LemonLDAP::NG settings.
  const fragment = Object.fromEntries(
    Object.entries(JSON.parse(kit) as Record<string, unknown>).filter(([key]) => !key.startsWith('_comment')),
  );
  // Debian's shipped configuration is the base (every key a fresh install has), ours over it.
  const debianDefault = JSON.parse(
    await readFile('/var/lib/lemonldap-ng/conf/lmConf-1.json', 'utf8'),
  ) as Record<string, unknown>;
  const lmConf = {
    ...debianDefault,
    cfgNum: 1,
    cfgVersion: '2.16.1',
    cfgAuthor: 'Relève test harness',
    cfgDate: String(Math.floor(Date.now() / 1000)),
    portal: `${issuer}/`,
    domain: '127.0.0.1',
    cookieName: 'lemonldap',
    securedCookie: 0,
    https: 1,
    timeout: 72000,
    whatToTrace: 'uid',
    globalStorage: 'Apache::Session::File',
    globalStorageOptions: { Directory: sub('sessions'), LockDirectory: sub('sessions/lock') },
    persistentStorage: 'Apache::Session::File',
    persistentStorageOptions: { Directory: sub('psessions'), LockDirectory: sub('psessions/lock') },
    localSessionStorage: 'Cache::FileCache',
    localSessionStorageOptions: {
      namespace: 'lemonldap-ng-sessions',
      cache_root: sub('cache'),
      cache_depth: 3,
    },
    loginHistoryEnabled: 0,
    notification: 0,
    portalSkin: 'bootstrap',
    ...fragment,
  };
  await writeFile(sub('conf/lmConf-1.json'), JSON.stringify(lmConf, null, 1));
  const ini = `[all]
logLevel = ${options.logLevel ?? 'warn'}
checkTime = 1

[configuration]
type = File
dirName = ${sub('conf')}
localStorage = Cache::FileCache
localStorageOptions = { 'namespace' => 'lemonldap-ng-config', 'default_expires_in' => 600, 'cache_root' => '${sub('cache')}', 'cache_depth' => 3 }

[portal]
staticPrefix = /static
templateDir = /usr/share/lemonldap-ng/portal/templates
languages = fr, en

[handler]
status = 0
`;
  await writeFile(sub('lemonldap-ng.ini'), ini);
  await writeFile(sub('nginx/cert.pem'), tls.certPem);
  await writeFile(sub('nginx/key.pem'), tls.keyPem);
  const socket = sub('run/llng.sock');
  const nginxConf = `user ${SERVICE_USER.name};
daemon off;
worker_processes 1;
pid ${sub('nginx/nginx.pid')};
error_log ${sub('nginx/error.log')} warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${sub('nginx/body')};
  fastcgi_temp_path ${sub('nginx/fastcgi')};
  proxy_temp_path ${sub('nginx/proxy')};
  uwsgi_temp_path ${sub('nginx/uwsgi')};
  scgi_temp_path ${sub('nginx/scgi')};
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${sub('nginx/cert.pem')};
    ssl_certificate_key ${sub('nginx/key.pem')};
    location /static/ { alias /usr/share/lemonldap-ng/portal/htdocs/static/; }
    location / {
      include /etc/nginx/fastcgi_params;
      fastcgi_pass unix:${socket};
      fastcgi_param LLTYPE psgi;
      fastcgi_param SCRIPT_FILENAME /usr/share/lemonldap-ng/portal/htdocs/index.psgi;
      fastcgi_param SCRIPT_NAME "";
      fastcgi_param PATH_INFO $uri;
      fastcgi_param HTTPS on;
      fastcgi_param HTTP_HOST $host:$server_port;
    }
  }
}
`;
  await writeFile(sub('nginx/nginx.conf'), nginxConf);
  await chownTree([dir, ...dirs, sub('conf/lmConf-1.json'), sub('lemonldap-ng.ini')]);

  let logs = '';
  const keep = (chunk: Buffer): void => {
    logs = (logs + chunk.toString('utf8')).slice(-20000);
  };
  const children: ChildProcess[] = [];
  const fastcgi = spawn(
    '/usr/sbin/llng-fastcgi-server',
    [
      '--foreground',
      '-u',
      SERVICE_USER.name,
      '-g',
      SERVICE_USER.name,
      '-s',
      socket,
      '-p',
      sub('run/llng.pid'),
      '-n',
      '2',
    ],
    {
      env: {
        ...process.env,
        LLNG_DEFAULTCONFFILE: sub('lemonldap-ng.ini'),
        LLNG_DEFAULTLOGGER: 'Lemonldap::NG::Common::Logger::Std',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(fastcgi);
  fastcgi.stdout?.on('data', keep);
  fastcgi.stderr?.on('data', keep);
  const nginx = spawn('/usr/sbin/nginx', ['-c', sub('nginx/nginx.conf')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(nginx);
  nginx.stdout?.on('data', keep);
  nginx.stderr?.on('data', keep);

  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }),
    );
    await rm(dir, { recursive: true, force: true });
  };

  // Ready when the discovery document answers: the first request compiles the portal (seconds).
  const deadline = Date.now() + 60_000;
  for (;;) {
    const exited = children.find((child) => child.exitCode !== null);
    if (exited) {
      await stop();
      throw new Error(`LemonLDAP::NG did not start (${exited.spawnfile} exited): ${logs}`);
    }
    if ((await getStatus(`${issuer}/.well-known/openid-configuration`, tls.caPem)) === 200) break;
    if (Date.now() > deadline) {
      const nginxErrors = await readFile(sub('nginx/error.log'), 'utf8').catch(() => '');
      await stop();
      throw new Error(
        `LemonLDAP::NG did not answer its discovery document within 60 s: ${logs} ${nginxErrors}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { issuer, caPem: tls.caPem, clientId, clientSecret, logs: () => logs, stop };
}
