/**
 * A desktop for the eSSO tests: a real Xvfb (no window manager, as on a kiosk's bare X) and the
 * real login applications the tests fill — a Tk window, a Java Swing window, zenity (GTK) and a
 * terminal login in xterm. Each application reports what it received as JSON lines, so a test
 * checks the fill from the application's side. xdotool/setxkbmap are used as independent
 * observers and drivers of the desktop, never by the product.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HERE = import.meta.dirname;
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export interface Desktop {
  readonly display: string;
  /** Runs an X client tool (xdotool, setxkbmap) on this display. */
  x(tool: string, args: readonly string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Starts Xvfb on a free display number (chosen by Xvfb itself through -displayfd). */
export async function startDesktop(): Promise<Desktop> {
  const xvfb = spawn(
    'Xvfb',
    ['-displayfd', '3', '-screen', '0', '1024x768x24', '-nolisten', 'tcp', '-noreset'],
    {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    },
  );
  const display = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('Xvfb did not start within 10 s')), 10_000);
    xvfb.stdio[3]!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolve(`:${text.trim()}`);
      }
    });
    xvfb.on('exit', (code) => reject(new Error(`Xvfb exited (${code})`)));
  });
  const env = { ...process.env, DISPLAY: display };
  return {
    display,
    async x(tool, args) {
      const { stdout } = await run(tool, [...args], { env });
      return stdout;
    },
    async stop() {
      if (xvfb.exitCode !== null) return;
      const exited = new Promise((resolve) => xvfb.once('exit', resolve));
      xvfb.kill('SIGTERM');
      await exited;
    },
  };
}

/** One application under test: its process and the JSON lines it reported. */
export interface TestApp {
  readonly process: ChildProcess;
  readonly reports: Record<string, string>[];
  /** Resolves with the first report that satisfies `test` (already received or to come). */
  report(
    test: (report: Record<string, string>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

function follow(
  child: ChildProcess,
  readLines: (onLine: (line: string) => void) => void,
  cleanup = () => {},
): TestApp {
  const reports: Record<string, string>[] = [];
  const waiters = new Set<() => void>();
  readLines((line) => {
    try {
      reports.push(JSON.parse(line) as Record<string, string>);
    } catch {
      return;
    }
    for (const wake of waiters) wake();
  });
  return {
    process: child,
    reports,
    report(test, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = reports.find(test);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no such report within ${timeoutMs} ms; got ${JSON.stringify(reports)}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      cleanup();
    },
  };
}

function stdoutLines(child: ChildProcess): (onLine: (line: string) => void) => void {
  return (onLine) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        onLine(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
      }
    });
  };
}

const started = (app: TestApp): Promise<TestApp> => app.report((r) => r.screen === 'started').then(() => app);

export interface TkLoginOptions {
  /** The logins the application accepts (one per person). */
  readonly accounts: readonly { readonly user: string; readonly password: string }[];
  /** Show « Chargement… » first, the fields only after this many seconds. */
  readonly fieldsAfter?: number;
  readonly expired?: boolean;
  readonly news?: boolean;
}

/** LABO: our Tk login window (invisible to AT-SPI). */
export function startTkLogin(desktop: Desktop, options: TkLoginOptions): Promise<TestApp> {
  const args = [join(HERE, 'tk-login.py')];
  for (const account of options.accounts) args.push('--user', account.user, '--password', account.password);
  if (options.fieldsAfter) args.push('--fields-after', String(options.fieldsAfter));
  if (options.expired) args.push('--expired');
  if (options.news) args.push('--news');
  const child = spawn(PYTHON, args, {
    env: { ...process.env, DISPLAY: desktop.display },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return started(follow(child, stdoutLines(child)));
}

/** A Tk window that reports every key it receives: the window a secret must never reach. */
export function startWitness(desktop: Desktop): Promise<TestApp> {
  const script = [
    'import json, tkinter as tk',
    'root = tk.Tk(className="Witness"); root.title("Témoin"); root.geometry("300x80+500+10")',
    'e = tk.Entry(root); e.pack(); e.focus_set()',
    'root.bind_all("<Key>", lambda ev: print(json.dumps({"key": ev.keysym, "char": ev.char}), flush=True))',
    'root.after(0, lambda: print(json.dumps({"screen": "started"}), flush=True))',
    'root.mainloop()',
  ].join('\n');
  const child = spawn(PYTHON, ['-c', script], {
    env: { ...process.env, DISPLAY: desktop.display },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return started(follow(child, stdoutLines(child)));
}

let javaClasses: string | null = null;

/** PHARMA: our Java Swing login window (compiled once per test process). */
export async function startSwingLogin(
  desktop: Desktop,
  options: { user: string; password: string },
): Promise<TestApp> {
  if (!javaClasses) {
    const out = mkdtempSync(join(tmpdir(), 'releve-esso-java-'));
    await run('javac', ['-d', out, join(HERE, 'PharmaLogin.java')]);
    javaClasses = out;
  }
  const child = spawn('java', ['-cp', javaClasses, 'PharmaLogin', options.user, options.password], {
    env: { ...process.env, DISPLAY: desktop.display },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return started(follow(child, stdoutLines(child)));
}

/** zenity's GTK password dialog: prints `user|password` when OK is pressed. */
export function startZenity(desktop: Desktop, title: string): Promise<TestApp> {
  const child = spawn('zenity', ['--password', '--username', `--title=${title}`], {
    env: { ...process.env, DISPLAY: desktop.display, NO_AT_BRIDGE: '1' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const app = follow(child, (onLine) => {
    onLine(JSON.stringify({ screen: 'started' }));
    stdoutLines(child)((line) => {
      const bar = line.indexOf('|');
      onLine(JSON.stringify({ screen: 'login', user: line.slice(0, bar), password: line.slice(bar + 1) }));
    });
  });
  return Promise.resolve(app);
}

/** ADMISSIONS: a terminal login in xterm, reporting through a file (xterm owns the terminal). */
export function startXtermLogin(
  desktop: Desktop,
  options: { user: string; password: string },
): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'releve-esso-term-'));
  const reportFile = join(dir, 'report.jsonl');
  const child = spawn(
    'xterm',
    [
      '-T',
      'ADMISSIONS',
      '-geometry',
      '80x10+10+300',
      '-e',
      PYTHON,
      join(HERE, 'terminal-login.py'),
      '--user',
      options.user,
      '--password',
      options.password,
      '--report',
      reportFile,
    ],
    { env: { ...process.env, DISPLAY: desktop.display }, stdio: 'ignore' },
  );
  let seen = 0;
  let poll: NodeJS.Timeout | undefined;
  const app = follow(
    child,
    (onLine) => {
      // The report file is the terminal program's only way out; reading it is the test's business.
      poll = setInterval(() => {
        if (!existsSync(reportFile)) return;
        const lines = readFileSync(reportFile, 'utf8').split('\n').filter(Boolean);
        for (const line of lines.slice(seen)) onLine(line);
        seen = lines.length;
      }, 50);
    },
    () => {
      clearInterval(poll);
      rmSync(dir, { recursive: true, force: true });
    },
  );
  return started(app);
}

/** Polls `check` until it holds (bounded): for states reached by another process's events. */
export async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
