/**
 * The `releve` command line. Only what a workstation needs; never the test harness. The
 * adapters come from a factory the caller provides: the shipped binary passes the production
 * one (app/agent/production.ts); development entry points under test/ pass harness adapters to
 * the very same code.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatMessage, type Catalogue } from '../core/messages.js';
import { DEFAULT_POLICY, parsePolicyText, showSetting, type Policy, type PolicyKey } from '../core/policy.js';
import type { PolicySource } from '../core/ports/index.js';
import { composeAgent, type Agent, type AgentAdapters, type AgentEvent } from './agent.js';
import { hostWithLivePolicy } from './live-policy.js';
import { loadCatalogue } from './resources.js';
import {
  loadWorkstationPolicy,
  NO_POLICY_FILES,
  policyFileSource,
  type PolicyFiles,
  type PolicyLoad,
  type PolicyMode,
} from './workstation-policy.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface RunningAdapters {
  readonly adapters: AgentAdapters;
  /**
   * Resolves when the agent should stop on its own (a scripted run); null: run until a signal.
   * Called once the agent has started.
   */
  readonly drive: ((agent: Agent) => Promise<void>) | null;
  readonly close: () => Promise<void>;
}

export type AdapterFactory = (
  policy: Policy,
  options: {
    auditFile: string | null;
    /** The files policy names, as the loader read them; absent: the factory reads them itself. */
    policyFiles?: PolicyFiles;
  },
) => Promise<RunningAdapters>;

export interface CliContext {
  readonly version: string;
  readonly adapterFactory: AdapterFactory;
  /** Resolves on SIGINT/SIGTERM; injectable for tests. */
  readonly untilSignal: () => Promise<void>;
  /**
   * Where policy comes from when no --policy FILE is given (the registry on Windows, the JSON
   * file on Linux). A source that has nothing configured gives the defaults.
   */
  readonly policySource?: PolicySource;
  /** Asks for a PIN on a terminal (null when there is none, or the person cancelled). */
  readonly readPin?: (prompt: string) => Promise<Uint8Array | null>;
  /** Extra commands (readers, card, idp check) registered by the entry point. */
  readonly commands?: Readonly<Record<string, (args: readonly string[], io: CliIo) => Promise<number>>>;
}

export const USAGE = `Usage: releve <command> [options]

Commands:
  agent --headless [--policy FILE] [--json] [--strict-policy] [--audit FILE]
                          run the session agent without its screens; --json prints every state
                          change and audit record as one JSON line. An invalid policy setting
                          takes its default and is audited; --strict-policy refuses it instead
  service [--socket PATH] [--state-dir DIR]
                          the privileged service (root): hosts the agent, serves the tray and the
                          eSSO driver on a peer-checked socket (default /run/releve/service.sock);
                          policy from /etc/releve/policy.json only; state in /var/lib/releve
  policy check FILE       validate a policy file (exit 0 valid, 1 invalid with one message per field)
  readers [--json] [--watch]            list badge readers by name and the badges on them
  card [--json] [--reader NAME]         read the CPS card in a reader (PIN tries left read without spending one)
  enroll --badge UID [--json] [--policy FILE]
                          enroll an unknown badge: its new PIN typed twice, then a login at the
                          IdP in the system browser
  bench                   the whole chain against its floor: \`npm run bench\` in a source
                          checkout (its fixtures are never shipped)
  idp check [--issuer URL] [--ca-file PEM] [--json]
                          can this workstation work with the IdP (default: policy's idpIssuer)?
                          discovery, JWKS, registration, clock skew, the grants Relève needs
      [--client-id ID [--client-secret-file FILE]] [--register]
                          check a client IT registered (which sign-ins it can do), or register
                          this workstation now (RFC 7591) instead of showing what it would send
  idp register --client-id ID [--json]
                          make (once) the workstation's key for a client IT registers with
                          private_key_jwt; prints the public JWK and PEM for the IdP's console
  idp set-secret --client-id ID --secret-file FILE
                          put a client secret from the IdP's console into the OS vault
  esso check FILE...      validate eSSO application profiles (exit 1 naming each wrong field)
  esso probe [--json] [--watch] [--profiles DIR]
                          the windows on this desktop, and which profile and screen each matches, and why
  esso learn [--profiles DIR]           a draft profile from the window in front, for IT to edit
  audit verify [FILE|DIR...] [--key FINGERPRINT] [--json]
                          check an audit trail (default: this workstation's): exit 0 intact with a
                          summary, 1 naming the first bad record and why
  audit export [FILE|DIR...] [--since T] [--until T] [--person ID] [--break-glass] [--format json|csv]
                          the records of an intact trail, for review
  audit forward [FILE|DIR...] --to tls://HOST:PORT [--ca-file PEM]
                          send a trail again to the SIEM (RFC 5424 over TLS, RFC 5425)

Options:
  --version               print the version
  --help                  print this help

Exit codes: 0 success, 1 the checked thing is wrong or unreachable, 2 usage error.`;

class UsageError extends Error {}

function usageError(io: CliIo, message: string): number {
  io.err(`releve: ${message}`);
  io.err(USAGE);
  return 2;
}

async function policyCheck(args: readonly string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: {} });
  const [file, ...rest] = positionals;
  if (!file || rest.length > 0) throw new UsageError('policy check takes exactly one FILE');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    io.err(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    return 1;
  }
  const result = parsePolicyText(text);
  if (!result.ok) {
    io.err(`${file}: invalid policy`);
    for (const problem of result.problems) io.err(`  - ${problem.message}`);
    return 1;
  }
  io.out(`${file}: valid policy`);
  for (const [key, value] of Object.entries(result.policy))
    io.out(`  ${key} = ${showSetting(key as PolicyKey, value)}`);
  return 0;
}

/** Tells IT, one line each, what was wrong with the policy and what the agent did about it. */
function reportPolicyProblems(load: PolicyLoad, io: CliIo): void {
  if (load.problems.length === 0) return;
  if (!load.ok) {
    io.err(`releve: refusing to start on an invalid policy (${load.location}) (--strict-policy):`);
  } else {
    io.err(`releve: invalid policy (${load.location}); each setting at fault takes its default:`);
  }
  for (const problem of load.problems) io.err(`  - ${problem.message}`);
}

/** One JSON line per event: what an integration test or a SIEM shipper reads. */
export function jsonLine(event: AgentEvent): string {
  switch (event.type) {
    case 'state': {
      const { snapshot } = event;
      return JSON.stringify({
        type: 'state',
        at: new Date(snapshot.at).toISOString(),
        phase: snapshot.phase,
        user: snapshot.user?.displayName ?? null,
        prompt: snapshot.prompt
          ? {
              person: snapshot.prompt.person?.displayName ?? null,
              pinTriesLeft: snapshot.prompt.pinTriesLeft,
              over: snapshot.prompt.over?.displayName ?? null,
            }
          : null,
        suspended: snapshot.suspended.map((p) => p.displayName),
      });
    }
    case 'feedback':
      return JSON.stringify({
        type: 'feedback',
        at: new Date(event.at).toISOString(),
        message: event.message,
        text: event.text,
      });
    case 'audit':
      return JSON.stringify({ type: 'audit', record: event.record });
    case 'rejected':
      return JSON.stringify({ type: 'rejected', at: new Date(event.at).toISOString(), reason: event.reason });
    case 'source':
      return JSON.stringify({
        type: 'source',
        at: new Date(event.at).toISOString(),
        available: event.available,
        detail: event.detail,
      });
  }
}

function humanLine(event: AgentEvent): string | null {
  switch (event.type) {
    case 'state':
      return `[${new Date(event.snapshot.at).toISOString()}] state: ${event.snapshot.phase}${event.snapshot.user ? ` (${event.snapshot.user.displayName})` : ''}`;
    case 'feedback':
      return `[${new Date(event.at).toISOString()}] « ${event.text} »`;
    case 'audit':
      return `[${event.record.time}] audit: ${event.record.action} ${event.record.outcome} ${event.record.reason}${event.record.displayName ? ` — ${event.record.displayName}` : ''}`;
    case 'rejected':
      return `[${new Date(event.at).toISOString()}] rejected: ${event.reason}`;
    case 'source':
      return `[${new Date(event.at).toISOString()}] reader: ${event.detail}`;
  }
}

/** Asks for the PIN on the terminal whenever the agent shows a PIN prompt (headless by hand). */
function askPinOnPrompt(
  agent: Agent,
  catalogue: Catalogue,
  readPin: (prompt: string) => Promise<Uint8Array | null>,
  io: CliIo,
): void {
  let asking = false;
  agent.subscribe((event) => {
    if (event.type !== 'state' || asking) return;
    const prompt = event.snapshot.phase === 'awaiting-pin' ? event.snapshot.prompt : null;
    if (!prompt) return;
    asking = true;
    void readPin(formatMessage(catalogue, 'enter-pin'))
      .then(async (pin) => {
        if (!pin) return agent.cancelPin(prompt.attemptId);
        const submitted = await agent.submitPin(prompt.attemptId, pin);
        if (!submitted.accepted) io.err(`PIN refused: ${submitted.problem}`);
      })
      .finally(() => {
        asking = false;
      });
  });
}

async function runAgent(args: readonly string[], io: CliIo, context: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: true,
    options: {
      headless: { type: 'boolean', default: false },
      policy: { type: 'string' },
      json: { type: 'boolean', default: false },
      'strict-policy': { type: 'boolean', default: false },
      // Falling back is the rule now; the option stays so that existing scripts keep working.
      'fallback-policy': { type: 'boolean', default: false },
      audit: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  if (!values.headless) {
    throw new UsageError(
      'the agent with its screens is started by the tray application; use --headless here',
    );
  }
  if (values['strict-policy'] && values['fallback-policy']) {
    throw new UsageError('--strict-policy and --fallback-policy contradict each other');
  }
  const mode: PolicyMode = values['strict-policy'] ? 'strict' : 'fallback';
  const source = values.policy ? policyFileSource(values.policy) : (context.policySource ?? null);
  const first: PolicyLoad = source
    ? await loadWorkstationPolicy(source, mode)
    : { ok: true, policy: DEFAULT_POLICY, files: NO_POLICY_FILES, problems: [], location: 'defaults' };
  if (!first.ok) {
    reportPolicyProblems(first, io);
    return 1;
  }
  const auditFile = values.audit ?? null;
  const print = (event: AgentEvent): void => {
    if (values.json) io.out(jsonLine(event));
    else {
      const line = humanLine(event);
      if (line) io.out(line);
    }
  };

  const host = await hostWithLivePolicy(first, {
    source,
    mode,
    compose: async (load) => {
      reportPolicyProblems(load, io);
      const running = await context.adapterFactory(load.policy, { auditFile, policyFiles: load.files });
      const catalogue = loadCatalogue(load.policy.locale);
      const agent = composeAgent(running.adapters, load.policy, { catalogue, policyProblems: load.problems });
      agent.subscribe(print);
      if (context.readPin && !values.json) askPinOnPrompt(agent, catalogue, context.readPin, io);
      return { agent, running, policy: load.policy };
    },
    report: (line, details) => {
      io.err(`releve: ${line}`);
      for (const detail of details) io.err(`  - ${detail}`);
    },
    onAudit: (record) => print({ type: 'audit', record }),
  });
  // A scripted run (the simulated workstation) ends when its script does.
  const drive = host.current().running.drive;
  try {
    await host.start();
    if (!values.json) io.out(formatMessage(loadCatalogue(host.current().policy.locale), 'locked'));
    if (drive) await drive(host.current().agent);
    else await context.untilSignal();
    await host.current().agent.idle();
  } finally {
    await host.stop();
  }
  return 0;
}

export async function runCli(argv: readonly string[], io: CliIo, context: CliContext): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case '--version':
      case '-v':
        io.out(`releve ${context.version}`);
        return 0;
      case '--help':
      case '-h':
      case 'help':
        io.out(USAGE);
        return 0;
      case 'agent':
        return await runAgent(rest, io, context);
      case 'policy': {
        const [sub, ...subArgs] = rest;
        if (sub !== 'check') throw new UsageError(`unknown policy command: ${sub ?? '(none)'}`);
        return await policyCheck(subArgs, io);
      }
      case 'bench':
        io.err(
          'releve bench runs from a source checkout of Relève (its virtual cards, test PKI and reference ' +
            'IdP are never shipped): `npm run bench -- [--json] [--runs N] [--out DIR]` there',
        );
        return 2;
      case undefined:
        throw new UsageError('a command is needed');
      default: {
        const key = command === 'idp' ? `idp ${rest[0] ?? ''}`.trim() : command;
        const handler = context.commands?.[key];
        if (!handler) throw new UsageError(`unknown command: ${command}`);
        return await handler(command === 'idp' ? rest.slice(1) : rest, io);
      }
    }
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message);
    // A mode this workstation cannot honour (os-lock with no working lock): said, and refused.
    if (error instanceof Error && error.name === 'UnsupportedModeError') {
      io.err(`releve: refusing to start: ${error.message}`);
      return 1;
    }
    // parseArgs reports unknown or malformed options with these codes.
    const code = (error as { code?: string }).code;
    if (code?.startsWith('ERR_PARSE_ARGS')) return usageError(io, (error as Error).message);
    throw error;
  }
}

export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    // Signal handlers do not keep Node running; an idle agent with no reader yet must not exit.
    const keepAlive = setInterval(() => undefined, 2 ** 30);
    const done = (): void => {
      clearInterval(keepAlive);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

export const consoleIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
