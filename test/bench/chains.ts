/**
 * The chain the benchmark runs on, and its floor. `openBenchRig` composes the real agent
 * (composeAgent) with:
 * - the production PC/SC badge source and CPS card session over a real pcscd, with virtual
 *   badges and a virtual CPS3 card plugged into vpcd slots (when pcscd can run here; otherwise
 *   the simulated reader, and no CPS card);
 * - the reference IdP (oidc-provider over HTTPS on loopback, its own CA), reached through the
 *   production OIDC adapter: the workstation registers (RFC 7591), authenticates with
 *   `private_key_jwt`, DPoP-bound tokens; badge + PIN by the password grant, the CPS card by the
 *   RFC 7523 JWT bearer grant signed on the card;
 * - the OS vault (gnome-keyring's Secret Service through @napi-rs/keyring) for the client keys
 *   and the tokens, when one answers (test/harness/with-keyring.sh provides one);
 * - the production audit sink (JSON lines, fdatasync per record) and headless OS session.
 *
 * Every step returns the agent's time and, where there is one, its floor measured on the same
 * card and IdP in the same run (floor.ts). Times start at the reader event: when pcscd's
 * SCardGetStatusChange reports the card to the agent's badge source (not when the badge source
 * has read it), or when the PIN is submitted. They end when the agent has published the new
 * state and carried out its OS session actions (after the audit record is durable).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pcsc from 'smartcard';
import { composeAgent, type Agent, type AgentEvent } from '../../app/agent/agent.js';
import { loadCatalogue } from '../../app/agent/resources.js';
import { JsonLinesAuditSink } from '../../app/adapters/audit/jsonl-sink.js';
import { SystemClock } from '../../app/adapters/clock/system-clock.js';
import { OidcIdentityProvider } from '../../app/adapters/idp/oidc-identity-provider.js';
import { clientRecordAccount } from '../../app/adapters/idp/workstation-client.js';
import { silentLog } from '../../app/adapters/log/winston-log.js';
import { HeadlessOsSession } from '../../app/adapters/os-session/headless.js';
import { PcscCardSession } from '../../app/adapters/pcsc/card-session.js';
import { PcscBadgeSource } from '../../app/adapters/pcsc/pcsc-badge-source.js';
import { createPcscContext, type PcscContextLike } from '../../app/adapters/pcsc/transaction.js';
import { KeyringSecretStore } from '../../app/adapters/vault/keyring-secret-store.js';
import { DEFAULT_POLICY, type Policy } from '../../app/core/policy.js';
import type {
  BadgeSource,
  BadgeSourceEvent,
  OsSessionController,
  SecretStore,
} from '../../app/core/ports/index.js';
import type { Phase } from '../../app/core/session/types.js';
import { startReferenceIdp, type ReferenceIdp } from '../harness/idp/reference-idp.js';
import { pcscdProblem, startPcscd, vpcdSlots, type RunningPcscd } from '../harness/pcscd.js';
import type { TestPerson } from '../harness/people.js';
import { createCardPki } from '../harness/pki.js';
import { MemorySecretStore } from '../harness/sim/memory-stores.js';
import { SimulatedBadgeSource } from '../harness/sim/simulated-badge-source.js';
import {
  VirtualCps3Card,
  VirtualUidBadge,
  VpcdConnection,
  type VirtualCard,
} from '../harness/vcard/index.js';
import { EventLog } from '../harness/wait.js';
import { cpsSignInFloor, IdpFloor, PcscFloor, type CpsCardFacts, type FloorSample } from './floor.js';

/** The bench measures tap-out → locked itself, so the undo window is off; no shift change mid-run. */
export const BENCH_POLICY: Policy = { ...DEFAULT_POLICY, tapOutUndoSeconds: 0, shiftBoundaries: [] };

/** One measured step: the agent's time, and the floor's when the step has one. */
export interface StepTiming {
  readonly ms: number;
  /** APDUs the card or badge answered during the agent's step (null: no PC/SC in the step). */
  readonly apdus: number | null;
  readonly floor: FloorSample | null;
  /**
   * Of `ms`, the badge source's share: reader event → the badge handed to the agent (its PC/SC
   * read). Null where the step starts elsewhere.
   */
  readonly sourceMs?: number | null;
}

export interface BenchRig {
  readonly description: string;
  /** What is real in this run, and what is not. */
  readonly parts: {
    readonly reader: string;
    readonly card: string | null;
    readonly idp: string;
    readonly vault: string;
  };
  readonly notMeasured: readonly string[];
  readonly hasCpsCard: boolean;
  /** Whether taps go through pcscd (and so have a PC/SC floor). */
  readonly hasPcsc: boolean;
  /** Whether tokens go to a real OS vault in this run (not memory). */
  readonly realVault: boolean;
  /** Taps the person's badge until the agent reaches `phase`; floor: the same badge read directly. */
  tapBadge(person: TestPerson, phase: Phase['kind']): Promise<StepTiming>;
  /** Types the PIN on the prompt: submission → session active. */
  submitPin(person: TestPerson): Promise<StepTiming>;
  /** The badge + PIN token request made straight to the IdP. */
  badgeSignInFloor(person: TestPerson): Promise<FloorSample>;
  /** Inserts the CPS card: reader event → PIN prompt; floor: one identity read of the card, directly. */
  insertCpsCard(): Promise<StepTiming>;
  /** VERIFY + signature + JWT bearer grant done directly, with the card still in the reader. */
  cpsSignInFloor(): Promise<FloorSample>;
  /** Pulls the CPS card: reader event → locked. */
  pullCpsCard(): Promise<StepTiming>;
  /** The CPS card holder (the card's PIN, for submitPin). */
  readonly cardHolder: TestPerson | null;
  /**
   * Two parts of the agent's own share, done directly (not floors: DESIGN's floor is the token
   * call and the APDUs): a token set written to the OS vault, and an audit record made durable.
   * They show where the time between the floor and the agent goes.
   */
  agentShare(): Promise<{
    readonly vaultWriteMs: number;
    readonly auditAppendMs: number;
    /** The production OIDC adapter's badge sign-in called directly: the floor plus the adapter. */
    readonly adapterSignInMs: number;
  }>;
  /** Back to a locked workstation with no grace, between runs. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Resolves with the time at which the agent reaches `phase` (or rejects after `timeoutMs`). */
export function whenPhase(agent: Agent, phase: Phase['kind'], timeoutMs = 15_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(
        new Error(
          `the agent did not reach ${phase} within ${timeoutMs} ms (it is ${agent.snapshot().phase})`,
        ),
      );
    }, timeoutMs);
    const stop = agent.subscribe((event: AgentEvent) => {
      if (event.type === 'state' && event.snapshot.phase === phase) {
        const at = performance.now();
        clearTimeout(timer);
        stop();
        resolve(at);
      }
    });
  });
}

/** Notes when each OS session action the agent asks for has been carried out. */
class TimedOsSession implements OsSessionController {
  lastActionDoneAt = 0;
  constructor(private readonly inner: OsSessionController) {}
  private async timed<T>(call: Promise<T>): Promise<T> {
    const result = await call;
    this.lastActionDoneAt = performance.now();
    return result;
  }
  lock = () => this.timed(this.inner.lock());
  unlock = (personId: string) => this.timed(this.inner.unlock(personId));
  open = (user: Parameters<OsSessionController['open']>[0]) => this.timed(this.inner.open(user));
  resume = (user: Parameters<OsSessionController['resume']>[0]) => this.timed(this.inner.resume(user));
  suspend = (personId: string) => this.timed(this.inner.suspend(personId));
  close = (personId: string, reason: string) => this.timed(this.inner.close(personId, reason));
  watch: OsSessionController['watch'] = (idleLimitMs, listener) => this.inner.watch(idleLimitMs, listener);
}

/**
 * PC/SC contexts for the badge source that note when SCardGetStatusChange reports a card put
 * down on, or taken from, a reader: the reader event every tap measure starts from.
 */
class ReaderEventClock {
  readonly presentAt = new Map<string, number>();
  readonly emptyAt = new Map<string, number>();
  createContext = (): PcscContextLike => {
    const inner = createPcscContext();
    return {
      listReaders: () => inner.listReaders(),
      waitForChange: async (states, timeout) => {
        const changes = await inner.waitForChange(states, timeout);
        const at = performance.now();
        for (const change of changes ?? []) {
          if ((change.state & pcsc.SCARD_STATE_CHANGED) === 0 || change.name.includes('PnP')) continue;
          if (change.state & pcsc.SCARD_STATE_PRESENT) this.presentAt.set(change.name, at);
          else if (change.state & pcsc.SCARD_STATE_EMPTY) this.emptyAt.set(change.name, at);
        }
        return changes;
      },
      cancel: () => inner.cancel(),
      close: () => inner.close(),
    };
  };
}

/** A virtual card that counts the APDUs it answers. */
class CountingCard implements VirtualCard {
  apdus = 0;
  constructor(private readonly inner: VirtualCard) {}
  get atr(): Uint8Array {
    return this.inner.atr;
  }
  process(apdu: Uint8Array): Uint8Array {
    this.apdus += 1;
    return this.inner.process(apdu);
  }
  reset(): void {
    this.inner.reset();
  }
}

/** The badge source the agent listens to, with its events kept for the rig to wait on. */
class WatchedSource implements BadgeSource {
  readonly events = new EventLog<BadgeSourceEvent>();
  lastPresentedAt = 0;
  constructor(private readonly inner: BadgeSource) {}
  start(listener: (event: BadgeSourceEvent) => void): Promise<void> {
    return this.inner.start((event) => {
      if (event.type === 'badge-presented') this.lastPresentedAt = performance.now();
      this.events.push(event);
      listener(event);
    });
  }
  stop(): Promise<void> {
    return this.inner.stop();
  }
  readers() {
    return this.inner.readers();
  }
}

/** The OS vault when one answers here; otherwise memory, and why. */
async function openVault(): Promise<{ store: SecretStore; description: string; close: () => Promise<void> }> {
  const keyring = new KeyringSecretStore({ service: 'Releve-bench', timeoutMs: 5000 });
  const probe = `bench-probe-${process.pid}`;
  const used = new Set<string>();
  try {
    await keyring.set(probe, 'probe');
    if ((await keyring.get(probe)) !== 'probe') throw new Error('the vault gave back another value');
    await keyring.delete(probe);
  } catch (error) {
    const why = error instanceof Error ? error.message.split(' (')[0] : String(error);
    return {
      store: new MemorySecretStore(),
      description: `in-memory secret store: no OS vault answered (${why}); run through test/harness/with-keyring.sh`,
      close: async () => undefined,
    };
  }
  // Entries the bench writes are removed at the end (a real desktop keyring is left as found).
  const store: SecretStore = {
    get: (account) => keyring.get(account),
    set: async (account, secret) => {
      used.add(account);
      await keyring.set(account, secret);
    },
    delete: (account) => keyring.delete(account),
  };
  return {
    store,
    description: 'OS vault: gnome-keyring Secret Service over D-Bus (@napi-rs/keyring)',
    close: async () => {
      for (const account of used) await keyring.delete(account).catch(() => false);
    },
  };
}

export async function openBenchRig(cardHolder: TestPerson): Promise<BenchRig> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // keep closing the rest
      }
    }
  };
  try {
    return await openRig(cardHolder, cleanups, closeAll);
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function openRig(
  cardHolder: TestPerson,
  cleanups: (() => Promise<void> | void)[],
  closeAll: () => Promise<void>,
): Promise<BenchRig> {
  const notMeasured: string[] = [];
  const pcscWhyNot = pcscdProblem();
  let pcscd: RunningPcscd | null = null;
  if (pcscWhyNot === null) {
    pcscd = await startPcscd();
    const running = pcscd;
    cleanups.push(() => running.stop());
  } else {
    notMeasured.push(
      `the PC/SC chain, its APDU floors and the CPS card: ${pcscWhyNot} (the simulated reader was used)`,
    );
  }

  const cardPki = await createCardPki();
  const idp: ReferenceIdp = await startReferenceIdp({ cardPki });
  cleanups.push(() => idp.stop());
  const vault = await openVault();
  cleanups.push(() => vault.close());
  const realVault = vault.description.startsWith('OS vault');
  if (!realVault) notMeasured.push(`writing tokens to the OS vault: ${vault.description}`);
  const auditDir = mkdtempSync(join(tmpdir(), 'releve-bench-'));
  const audit = new JsonLinesAuditSink(join(auditDir, 'audit.jsonl'));
  const shareAudit = new JsonLinesAuditSink(join(auditDir, 'share.jsonl'));
  cleanups.push(() => rmSync(auditDir, { recursive: true, force: true }));
  cleanups.push(() => audit.close());
  cleanups.push(() => shareAudit.close());

  const events = new ReaderEventClock();
  const simulatedReader = pcscd ? null : new SimulatedBadgeSource('Lecteur simulé 00');
  const source = new WatchedSource(
    simulatedReader ?? new PcscBadgeSource({ log: silentLog, createContext: events.createContext }),
  );
  const os = new TimedOsSession(new HeadlessOsSession(silentLog));
  const provider = new OidcIdentityProvider({
    issuer: idp.issuer,
    secretStore: vault.store,
    initialAccessToken: idp.initialAccessToken,
    caPem: idp.caPem,
  });
  const agent = composeAgent(
    {
      clock: new SystemClock(),
      badgeSources: [source],
      cards: pcscd ? new PcscCardSession([cardPki.rootPem, cardPki.intermediatePem]) : null,
      idp: provider,
      osSession: os,
      secrets: vault.store,
      audit,
      log: silentLog,
      newId: randomUUID,
      hostname: 'POSTE-BENCH-01',
    },
    BENCH_POLICY,
    { catalogue: loadCatalogue('fr') },
  );
  await agent.start();
  cleanups.push(() => agent.stop());

  const [badgeSlot, cardSlot] = pcscd ? vpcdSlots(1) : [];
  if (badgeSlot) {
    await source.events.waitFor(
      (e) => e.type === 'reader-added' && e.reader.name === badgeSlot.readerName,
      'the vpcd reader',
      10_000,
      0,
    );
  }
  const pcscFloor = pcscd ? new PcscFloor() : null;
  if (pcscFloor) cleanups.push(() => pcscFloor.close());
  let idpFloor: IdpFloor | null = null;
  /** The IdP floor loads the workstation client the agent registered at its first sign-in. */
  const floorIdp = async (): Promise<IdpFloor> => {
    idpFloor ??= await IdpFloor.open({ issuer: idp.issuer, store: vault.store, caPem: idp.caPem });
    return idpFloor;
  };
  cleanups.push(async () => {
    await vault.store.delete(clientRecordAccount(idp.issuer)).catch(() => false);
  });
  /** A second instance of the production OIDC adapter, the same workstation client (from the vault). */
  const directAdapter = new OidcIdentityProvider({
    issuer: idp.issuer,
    secretStore: vault.store,
    initialAccessToken: null,
    caPem: idp.caPem,
  });

  /**
   * Ends a step: the agent reached `phase` at `reachedAt`; the step is over once its OS session
   * actions are done (they follow the audit record), and the agent is quiet again.
   */
  const finish = async (reachedAt: number): Promise<number> => {
    await agent.idle();
    return Math.max(reachedAt, os.lastActionDoneAt);
  };

  const card = pcscd
    ? new CountingCard(
        await VirtualCps3Card.create({
          holder: {
            surname: cardHolder.surname,
            givenName: cardHolder.givenName,
            nationalId: cardHolder.nationalId!,
            profession: cardHolder.profession!,
          },
          pki: cardPki,
          pin: cardHolder.pin,
        }),
      )
    : null;
  const cardConnection = card && cardSlot ? new VpcdConnection(card, { port: cardSlot.port }) : null;
  cleanups.push(() => cardConnection?.remove());
  let cardFacts: CpsCardFacts | null = null;

  const removal = (badgeId: string | null, since: number) =>
    source.events.waitFor(
      (e) => e.type === 'badge-removed' && (badgeId === null || e.badgeId === badgeId),
      'the badge removal',
      15_000,
      since,
    );

  return {
    description: [
      pcscd
        ? 'virtual badge + virtual CPS3 card in vpcd slots of a real pcscd, production PC/SC badge source and card session'
        : 'simulated reader (no pcscd here)',
      'reference IdP (oidc-provider, HTTPS on loopback) through the production OIDC adapter',
      realVault ? 'tokens in the OS keyring' : 'tokens in memory (no OS vault)',
      'real agent (composeAgent), JSON-lines audit with fdatasync, headless OS session',
    ].join('; '),
    parts: {
      reader: pcscd
        ? `pcscd ${pcscd.ours ? '(started by the bench)' : '(already running)'} + vpcd, virtual contactless badge in "${badgeSlot?.readerName}"`
        : `simulated reader: ${pcscWhyNot}`,
      card: pcscd ? `virtual CPS3 (T=0, RSA-2048) in "${cardSlot?.readerName}"` : null,
      idp: `reference IdP ${idp.issuer}: RFC 7591 registration, private_key_jwt, DPoP`,
      vault: vault.description,
    },
    notMeasured,
    hasCpsCard: card !== null,
    hasPcsc: pcscd !== null,
    realVault,
    cardHolder: card ? cardHolder : null,

    async tapBadge(person, phase) {
      const reached = whenPhase(agent, phase);
      const since = source.events.events.length;
      if (simulatedReader) {
        simulatedReader.tap(person.badgeUid);
        const at = await finish(await reached);
        return { ms: at - source.lastPresentedAt, apdus: null, floor: null };
      }
      const badge = new CountingCard(new VirtualUidBadge(person.badgeUid));
      const connection = new VpcdConnection(badge, { port: badgeSlot!.port });
      const insertedAt = performance.now();
      await connection.insert();
      try {
        const at = await finish(await reached);
        const eventAt = events.presentAt.get(badgeSlot!.readerName) ?? 0;
        if (eventAt < insertedAt) throw new Error('the reader event was not seen');
        const apdus = badge.apdus;
        const sourceMs = source.lastPresentedAt - eventAt;
        // The floor, on the same badge still on the reader: its UID read directly.
        const floor = await pcscFloor!.readUid(badgeSlot!.readerName);
        return { ms: at - eventAt, apdus, floor, sourceMs };
      } finally {
        await connection.remove();
        await removal(person.badgeUid, since);
      }
    },

    async submitPin(person) {
      await agent.idle();
      const prompt = agent.snapshot().prompt;
      if (!prompt) throw new Error(`no PIN prompt (the agent is ${agent.snapshot().phase})`);
      const reached = whenPhase(agent, 'active');
      const apdusBefore = card?.apdus ?? 0;
      const started = performance.now();
      const submitted = await agent.submitPin(prompt.attemptId, new TextEncoder().encode(person.pin));
      if (!submitted.accepted) throw new Error(`PIN refused: ${submitted.problem}`);
      const at = await finish(await reached);
      const cardApdus = card ? card.apdus - apdusBefore : 0;
      return { ms: at - started, apdus: cardApdus > 0 ? cardApdus : null, floor: null };
    },

    async badgeSignInFloor(person) {
      return (await floorIdp()).passwordGrant(person.badgeUid, person.pin);
    },

    async insertCpsCard() {
      if (!card || !cardConnection || !cardSlot) throw new Error('no CPS card in this run');
      const reached = whenPhase(agent, 'awaiting-pin');
      const apdusBefore = card.apdus;
      const insertedAt = performance.now();
      await cardConnection.insert();
      const at = await finish(await reached);
      const eventAt = events.presentAt.get(cardSlot.readerName) ?? 0;
      if (eventAt < insertedAt) throw new Error('the reader event was not seen');
      const apdus = card.apdus - apdusBefore;
      const sourceMs = source.lastPresentedAt - eventAt;
      const floor = await pcscFloor!.readCpsIdentity(cardSlot.readerName);
      cardFacts = floor.value;
      return { ms: at - eventAt, apdus, floor: { ms: floor.ms, apdus: floor.apdus }, sourceMs };
    },

    async cpsSignInFloor() {
      if (!cardSlot || !cardFacts) throw new Error('the CPS card must be in the reader');
      return cpsSignInFloor(pcscFloor!, await floorIdp(), cardSlot.readerName, cardFacts, cardHolder.pin);
    },

    async pullCpsCard() {
      if (!cardConnection || !cardSlot) throw new Error('no CPS card in this run');
      const reached = whenPhase(agent, 'locked');
      const since = source.events.events.length;
      const pulledAt = performance.now();
      await cardConnection.remove();
      const at = await finish(await reached);
      await removal(null, since);
      const eventAt = events.emptyAt.get(cardSlot.readerName) ?? 0;
      if (eventAt < pulledAt) throw new Error('the reader event was not seen');
      return { ms: at - eventAt, apdus: null, floor: null };
    },

    async agentShare() {
      // About the size of a real token set (access, refresh and id tokens, JWTs of ~1 KB).
      const tokens = JSON.stringify({
        accessToken: 'a'.repeat(900),
        refreshToken: 'r'.repeat(700),
        idToken: 'i'.repeat(1100),
        expiresAt: Date.now() + 300_000,
      });
      const account = 'tokens:bench-share';
      let started = performance.now();
      await vault.store.set(account, tokens);
      const vaultWriteMs = performance.now() - started;
      started = performance.now();
      await shareAudit.append({
        id: randomUUID(),
        action: 'authentication',
        outcome: 'success',
        personId: 'claire.martin',
        displayName: 'Claire Martin',
        nationalId: '899700075122',
        workstation: 'POSTE-BENCH-01',
        badgeKind: 'rfid',
        method: 'badge-pin',
        reason: 'tap-in',
        time: new Date().toISOString(),
      });
      const auditAppendMs = performance.now() - started;
      started = performance.now();
      const signedIn = await directAdapter.signInWithBadge(
        cardHolder.badgeUid,
        new TextEncoder().encode(cardHolder.pin),
      );
      const adapterSignInMs = performance.now() - started;
      if (!signedIn.ok) throw new Error(`the OIDC adapter's sign-in failed: ${signedIn.failure.reason}`);
      return { vaultWriteMs, auditAppendMs, adapterSignInMs };
    },

    async reset() {
      await agent.idle();
      await agent.manualLock();
      await agent.dispatch({ type: 'shift-end' });
      await agent.idle();
    },

    close: closeAll,
  };
}
