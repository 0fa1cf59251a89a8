/**
 * Enterprise SSO in the agent: follows who is in front of the workstation (through the agent's
 * published events only: `subscribe` and `snapshot`), matches the windows the driver reports to
 * the profiles, and fills an application's login for that person and nobody else.
 *
 * Rules kept here:
 * - Nothing is typed unless one person's session is active (not while locked, not during a
 *   tap-over prompt, not during the tap-out undo window), and only with that person's
 *   credential, fetched at the moment of filling and handed to the driver for one window.
 * - A login that the application rejects is never retried: the person is asked on Relève's own
 *   screen. A capture is stored only after the application's success screen.
 * - Every fill, capture, change, switch action and failure is an audit record (application,
 *   screen, person; never a secret).
 * - In shared-kiosk mode, when the person changes (tap-over) or the workstation locks, the
 *   previous person's applications get their profile's switch action (close, log out, hide).
 */
import { randomInt } from 'node:crypto';
import type { AuditReason, AuditRecord } from '../core/audit.js';
import type { ProfileSet } from '../core/esso/match.js';
import { StaleProfileTracker, type WindowDescription } from '../core/esso/match.js';
import { generatePassword } from '../core/esso/password.js';
import { logoutPlanFor, planFor, verdictOf, type FillPlan } from '../core/esso/plan.js';
import type { Profile, Screen } from '../core/esso/profile.js';
import type {
  ApplicationCredential,
  AuditSink,
  Clock,
  CredentialStore,
  DiagnosticLog,
  EssoDriver,
  EssoWindowEvent,
  FillSecrets,
} from '../core/ports/index.js';
import type { Agent, AgentEvent } from './agent.js';

export interface EssoPerson {
  readonly personId: string;
  readonly displayName: string;
  readonly nationalId: string | null;
}

/** Why Relève asks the person for an application's login on its own screen. */
export type CredentialRequestReason = 'first-time' | 'rejected' | 'vault-unavailable' | 'fill-failed';

export type EssoEvent =
  | {
      readonly type: 'credential-request';
      readonly requestId: number;
      readonly profileId: string;
      /** « Enregistrer vos identifiants pour LABO ? » */
      readonly label: string;
      readonly reason: CredentialRequestReason;
    }
  | { readonly type: 'request-closed'; readonly requestId: number }
  | {
      readonly type: 'fill';
      readonly profileId: string;
      readonly screenId: string;
      readonly ok: boolean;
      /** On failure: focus-lost, window-gone, unsupported... (never a value). */
      readonly detail: string;
    }
  | { readonly type: 'verdict'; readonly profileId: string; readonly verdict: 'accepted' | 'rejected' }
  | { readonly type: 'diagnostic'; readonly message: string };

export interface EssoFollowerOptions {
  readonly agent: Pick<Agent, 'subscribe' | 'snapshot' | 'policy'>;
  readonly driver: EssoDriver;
  readonly profiles: ProfileSet;
  readonly credentials: CredentialStore;
  readonly audit: AuditSink;
  readonly newId: () => string;
  readonly clock: Clock;
  readonly log: DiagnosticLog;
  /** Randomness for generated passwords: a cryptographic source unless a test says otherwise. */
  readonly randomBelow?: (n: number) => number;
}

/** A fill whose outcome the next screen of the application will tell. */
interface Pending {
  readonly personId: string;
  readonly windowId: string;
  readonly purpose: 'login' | 'password-change';
  /** Where the values came from: kept only to store them once the application accepts them. */
  readonly source: 'stored' | 'captured' | 'generated';
  readonly credential: ApplicationCredential | null;
  readonly screenId: string;
}

interface OpenRequest {
  readonly requestId: number;
  readonly personId: string;
  readonly profileId: string;
}

const ACTIVE_PHASES = new Set(['active', 'offline-active']);

export class EssoFollower {
  private readonly listeners = new Set<(event: EssoEvent) => void>();
  private readonly stale = new StaleProfileTracker();
  /** The last person whose session was opened or resumed, from the audit events. */
  private lastOpened: EssoPerson | null = null;
  /** Whose applications are on screen: the last active person until another one or a lock. */
  private owner: EssoPerson | null = null;
  /** The person keystrokes may be typed for right now (only while their session is active). */
  private typingFor: EssoPerson | null = null;
  private readonly pending = new Map<string, Pending>();
  /** Login windows on screen, by profile: where a capture is filled once the person typed it. */
  private readonly loginWindows = new Map<string, string>();
  /** Windows whose login was filled for a person: their switch action runs when that person goes. */
  private readonly filledFor = new Map<string, { personId: string; profileId: string }>();
  private readonly requests = new Map<number, OpenRequest>();
  private readonly declined = new Set<string>();
  /** Logins the person typed on Relève's screen, waiting for their application's login screen. */
  private readonly captures = new Map<string, ApplicationCredential>();
  /** Stored logins an application rejected this session: never typed again until replaced. */
  private readonly rejectedStored = new Set<string>();
  private readonly reportedAmbiguous = new Set<string>();
  private nextRequestId = 1;
  private queue: Promise<void> = Promise.resolve();
  private unsubscribeAgent: (() => void) | null = null;
  private unwatchDriver: (() => void) | null = null;
  private readonly randomBelow: (n: number) => number;

  constructor(private readonly options: EssoFollowerOptions) {
    this.randomBelow = options.randomBelow ?? ((n) => randomInt(0, n));
  }

  start(): void {
    this.unsubscribeAgent = this.options.agent.subscribe((event) => this.onAgentEvent(event));
    this.unwatchDriver = this.options.driver.watch((event) => this.enqueue(() => this.onWindowEvent(event)));
    this.enqueue(() => this.updatePerson());
  }

  async stop(): Promise<void> {
    this.unsubscribeAgent?.();
    this.unwatchDriver?.();
    await this.idle();
    this.pending.clear();
  }

  /** Resolves once every window event and fill under way has been handled. */
  async idle(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.queue;
      await seen;
    } while (seen !== this.queue);
  }

  subscribe(listener: (event: EssoEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The person typed their login for an application on Relève's screen: it is filled the moment
   * the application shows its login screen (now, or once a failure message has gone), and
   * stored once the application accepts it. Resolves false when the request is no longer open.
   */
  provideCredential(requestId: number, credential: ApplicationCredential): Promise<boolean> {
    return new Promise((resolve) =>
      this.enqueue(async () => {
        const request = this.requests.get(requestId);
        const person = this.typingFor;
        if (!request || !person || request.personId !== person.personId) return resolve(false);
        this.closeRequest(requestId);
        this.captures.set(`${person.personId}\u0000${request.profileId}`, credential);
        resolve(true);
        const windowId = this.loginWindows.get(request.profileId);
        const window = (await this.options.driver.windows()).find((w) => w.windowId === windowId);
        if (window) await this.onWindow(window);
      }),
    );
  }

  /** The person does not want Relève to keep this application's login: not asked again this session. */
  decline(requestId: number): void {
    const request = this.requests.get(requestId);
    if (!request) return;
    this.declined.add(`${request.personId}\u0000${request.profileId}`);
    this.closeRequest(requestId);
  }

  /** The applications the person in front has a stored login for (labels, no values). */
  async storedFor(): Promise<{ profileId: string; label: string }[]> {
    const person = this.typingFor;
    if (!person) return [];
    const ids = await this.options.credentials.list(person.personId);
    return ids.map((id) => ({ profileId: id, label: this.options.profiles.byId(id)?.label ?? id }));
  }

  /** Forgets the stored login of the person in front for one application. */
  async forget(profileId: string): Promise<boolean> {
    const person = this.typingFor;
    if (!person) return false;
    const deleted = await this.options.credentials.delete(person.personId, profileId);
    if (deleted) await this.audit('esso-capture', 'info', 'deleted-by-person', person, profileId, 'stored');
    return deleted;
  }

  // ---- who is in front --------------------------------------------------------------------------

  private onAgentEvent(event: AgentEvent): void {
    if (event.type === 'audit') {
      const { record } = event;
      if (
        (record.action === 'session-opened' || record.action === 'session-resumed') &&
        record.outcome === 'success'
      )
        this.lastOpened =
          record.personId && record.displayName !== null
            ? { personId: record.personId, displayName: record.displayName, nationalId: record.nationalId }
            : null;
      this.enqueue(() => this.updatePerson());
    } else if (event.type === 'state') this.enqueue(() => this.updatePerson());
  }

  private async updatePerson(): Promise<void> {
    const snapshot = this.options.agent.snapshot();
    const user = snapshot.user;
    const opened = this.lastOpened;
    const active =
      ACTIVE_PHASES.has(snapshot.phase) &&
      user !== null &&
      opened !== null &&
      user.displayName === opened.displayName &&
      user.nationalId === opened.nationalId
        ? opened
        : null;
    const previousOwner = this.owner;
    if (active) this.owner = active;
    else if (snapshot.phase === 'locked') this.owner = null;
    const before = this.typingFor;
    this.typingFor = active;
    if (before && before.personId !== active?.personId) this.forgetPerson(before);
    if (previousOwner && previousOwner.personId !== this.owner?.personId)
      await this.runSwitchActions(previousOwner);
    if (active && active.personId !== before?.personId) {
      // The newcomer's applications may already show their login screens.
      for (const window of await this.options.driver.windows()) await this.onWindow(window);
    }
  }

  /** The person left the foreground: their open requests and unconfirmed fills go with them. */
  private forgetPerson(person: EssoPerson): void {
    for (const [id, request] of this.requests)
      if (request.personId === person.personId) this.closeRequest(id);
    for (const [profileId, pending] of this.pending)
      if (pending.personId === person.personId) this.pending.delete(profileId);
    for (const key of this.captures.keys())
      if (key.startsWith(`${person.personId}\u0000`)) this.captures.delete(key);
  }

  private async runSwitchActions(person: EssoPerson): Promise<void> {
    if (this.options.agent.policy().mode !== 'shared-kiosk') return;
    const onScreen = new Set((await this.options.driver.windows()).map((w) => w.windowId));
    for (const [windowId, filled] of [...this.filledFor]) {
      if (filled.personId !== person.personId) continue;
      this.filledFor.delete(windowId);
      const profile = this.options.profiles.byId(filled.profileId);
      if (!profile || !onScreen.has(windowId)) continue;
      const action = profile.onSwitch.action;
      try {
        if (action === 'close') await this.options.driver.close(windowId);
        else if (action === 'hide') await this.options.driver.hide(windowId);
        else if (action === 'logout') {
          const plan = logoutPlanFor(windowId, profile)!;
          const outcome = await this.options.driver.execute(plan, {});
          if (!outcome.ok) throw new Error(outcome.detail);
        }
        if (action !== 'none')
          await this.audit('esso-switch', 'success', 'switch-done', person, profile.id, 'switch', action);
      } catch (error) {
        this.options.log.warn('eSSO switch action failed', {
          profile: profile.id,
          action,
          error: String(error),
        });
        await this.audit('esso-switch', 'failure', 'switch-failed', person, profile.id, 'switch', action);
      }
    }
  }

  // ---- windows ---------------------------------------------------------------------------------

  private async onWindowEvent(event: EssoWindowEvent): Promise<void> {
    if (event.kind === 'gone') {
      this.filledFor.delete(event.windowId);
      for (const [profileId, windowId] of this.loginWindows)
        if (windowId === event.windowId) this.loginWindows.delete(profileId);
      return;
    }
    await this.onWindow(event.window);
  }

  private async onWindow(window: WindowDescription): Promise<void> {
    const { profiles } = this.options;
    const result = profiles.match(window);
    for (const profile of this.stale.observe(profiles, window, result)) {
      const message = `profile ${profile.id} (revision ${profile.revision}) recognises none of its screens in a window of its application titled "${window.title.slice(0, 120)}": the application may have changed`;
      this.options.log.warn('eSSO profile no longer matches its application', { profile: profile.id });
      this.emit({ type: 'diagnostic', message });
      await this.audit('esso-profile-stale', 'failure', 'no-screen-matches', null, profile.id, 'unknown');
    }
    if (result.kind === 'ambiguous') {
      const key = `${window.windowId}\u0000${window.title}`;
      if (!this.reportedAmbiguous.has(key)) {
        this.reportedAmbiguous.add(key);
        const names = result.candidates.map((c) => `${c.profile.id}/${c.screen.id}`).join(', ');
        this.emit({
          type: 'diagnostic',
          message: `window "${window.title.slice(0, 120)}" matches ${names} equally: nothing done`,
        });
        this.options.log.warn('eSSO window matches several profiles equally', { candidates: names });
      }
      return;
    }
    if (result.kind === 'none') return;
    const { profile, screen } = result.match;
    switch (screen.kind) {
      case 'login':
        this.loginWindows.set(profile.id, window.windowId);
        return this.onLoginScreen(profile, screen, window);
      case 'password-change':
        return this.onPasswordChangeScreen(profile, screen, window);
      case 'dismiss':
        return this.onDismissScreen(profile, screen, window);
      case 'login-success':
      case 'login-failure':
      case 'password-change-success':
      case 'password-change-failure':
        return this.onOutcomeScreen(profile, screen, window);
    }
  }

  private async onLoginScreen(profile: Profile, screen: Screen, window: WindowDescription): Promise<void> {
    const person = this.typingFor;
    if (!person) return; // nobody in front, or locked: nothing typed, the login waits for someone
    const pending = this.pending.get(profile.id);
    if (pending?.purpose === 'login' && pending.windowId === window.windowId) return; // outcome not seen yet
    const key = `${person.personId}\u0000${profile.id}`;
    const typed = this.captures.get(key);
    if (typed) {
      this.captures.delete(key);
      await this.fill(person, profile, screen, window, typed, 'captured');
      return;
    }
    if (this.hasOpenRequest(person, profile.id) || this.declined.has(key)) return;
    let credential: ApplicationCredential | null;
    try {
      credential = await this.options.credentials.get(person.personId, profile.id);
    } catch (error) {
      this.options.log.error('eSSO credential store unavailable', {
        profile: profile.id,
        error: String(error),
      });
      this.ask(person, profile, 'vault-unavailable');
      return;
    }
    if (!credential) {
      this.ask(person, profile, 'first-time');
      return;
    }
    if (this.rejectedStored.has(`${person.personId}\u0000${profile.id}`)) {
      this.ask(person, profile, 'rejected');
      return;
    }
    await this.fill(person, profile, screen, window, credential, 'stored');
  }

  private async fill(
    person: EssoPerson,
    profile: Profile,
    screen: Screen,
    window: WindowDescription,
    credential: ApplicationCredential,
    source: Pending['source'],
  ): Promise<void> {
    const plan = planFor(window.windowId, profile, screen) as FillPlan;
    // Re-checked at the last moment: the credential goes out only for the person still in front.
    if (this.typingFor?.personId !== person.personId) return;
    const secrets: FillSecrets = { username: credential.username, password: credential.password };
    const outcome = await this.options.driver.execute(plan, secrets);
    this.emit({
      type: 'fill',
      profileId: profile.id,
      screenId: screen.id,
      ok: outcome.ok,
      detail: outcome.ok ? 'filled' : outcome.reason,
    });
    const action = source === 'captured' ? 'esso-capture' : 'esso-fill';
    if (!outcome.ok) {
      await this.audit(action, 'failure', 'fill-failed', person, profile.id, screen.id, outcome.reason);
      // The person types it themselves, or retries from Relève's screen: never a silent retry.
      // A window that went away needs nothing from anyone.
      if (outcome.reason !== 'window-gone') this.ask(person, profile, 'fill-failed');
      return;
    }
    await this.audit(action, 'info', 'filled', person, profile.id, screen.id);
    this.pending.set(profile.id, {
      personId: person.personId,
      windowId: window.windowId,
      purpose: 'login',
      source,
      credential: source === 'captured' ? credential : null,
      screenId: screen.id,
    });
  }

  private async onPasswordChangeScreen(
    profile: Profile,
    screen: Screen,
    window: WindowDescription,
  ): Promise<void> {
    const person = this.typingFor;
    if (!person) return;
    const pending = this.pending.get(profile.id);
    if (pending?.purpose === 'password-change') return; // already filled: waiting for the outcome
    const current =
      pending?.credential ??
      (await this.options.credentials.get(person.personId, profile.id).catch(() => null));
    if (!current || !profile.passwordRules) {
      this.emit({
        type: 'diagnostic',
        message: `${profile.id}: the application asks for a new password; the person changes it`,
      });
      await this.audit('esso-password-change', 'info', 'left-to-person', person, profile.id, screen.id);
      return;
    }
    const newPassword = generatePassword(profile.passwordRules, this.randomBelow);
    const plan = planFor(window.windowId, profile, screen) as FillPlan;
    if (this.typingFor?.personId !== person.personId) return;
    const outcome = await this.options.driver.execute(plan, {
      username: current.username,
      password: current.password,
      'new-password': newPassword,
    });
    if (!outcome.ok) {
      await this.audit(
        'esso-password-change',
        'failure',
        'fill-failed',
        person,
        profile.id,
        screen.id,
        outcome.reason,
      );
      return;
    }
    await this.audit('esso-password-change', 'info', 'filled', person, profile.id, screen.id);
    this.pending.set(profile.id, {
      personId: person.personId,
      windowId: window.windowId,
      purpose: 'password-change',
      source: 'generated',
      credential: { username: current.username, password: newPassword },
      screenId: screen.id,
    });
  }

  private async onDismissScreen(profile: Profile, screen: Screen, window: WindowDescription): Promise<void> {
    if (!this.typingFor) return;
    const plan = planFor(window.windowId, profile, screen);
    if (plan) await this.options.driver.execute(plan, {});
  }

  private async onOutcomeScreen(profile: Profile, screen: Screen, window: WindowDescription): Promise<void> {
    const pending = this.pending.get(profile.id);
    if (!pending || pending.windowId !== window.windowId) return;
    const verdict = verdictOf(pending.purpose, screen.kind);
    if (verdict === 'pending' || verdict === 'password-change-needed') return;
    this.pending.delete(profile.id);
    const person = this.owner?.personId === pending.personId ? this.owner : null;
    if (!person) return;
    this.emit({ type: 'verdict', profileId: profile.id, verdict });
    if (pending.purpose === 'password-change') {
      if (verdict === 'accepted' && pending.credential) {
        await this.store(person, profile, pending.credential, 'esso-password-change', screen.id);
        this.filledFor.set(window.windowId, { personId: person.personId, profileId: profile.id });
      } else
        await this.audit(
          'esso-password-change',
          'failure',
          'rejected-by-application',
          person,
          profile.id,
          screen.id,
        );
      return;
    }
    const action = pending.source === 'captured' ? 'esso-capture' : 'esso-fill';
    if (verdict === 'accepted') {
      this.filledFor.set(window.windowId, { personId: person.personId, profileId: profile.id });
      this.rejectedStored.delete(`${person.personId}\u0000${profile.id}`);
      if (pending.source === 'captured' && pending.credential)
        await this.store(person, profile, pending.credential, 'esso-capture', screen.id);
      else await this.audit(action, 'success', 'accepted', person, profile.id, screen.id);
      return;
    }
    // Rejected: nothing is retried. A capture is discarded; the person is asked again.
    if (pending.source === 'stored') this.rejectedStored.add(`${person.personId}\u0000${profile.id}`);
    await this.audit(action, 'failure', 'rejected-by-application', person, profile.id, screen.id);
    if (this.typingFor?.personId === person.personId) this.ask(person, profile, 'rejected');
  }

  private async store(
    person: EssoPerson,
    profile: Profile,
    credential: ApplicationCredential,
    action: 'esso-capture' | 'esso-password-change',
    screenId: string,
  ): Promise<void> {
    try {
      await this.options.credentials.put(person.personId, profile.id, credential);
      await this.audit(action, 'success', 'stored', person, profile.id, screenId);
    } catch (error) {
      this.options.log.error('eSSO credential could not be stored', {
        profile: profile.id,
        error: String(error),
      });
      await this.audit(action, 'failure', 'vault-unavailable', person, profile.id, screenId);
    }
  }

  // ---- requests, events, audit -----------------------------------------------------------------

  private hasOpenRequest(person: EssoPerson, profileId: string): boolean {
    return [...this.requests.values()].some(
      (r) => r.personId === person.personId && r.profileId === profileId,
    );
  }

  private ask(person: EssoPerson, profile: Profile, reason: CredentialRequestReason): void {
    if (this.hasOpenRequest(person, profile.id)) return;
    const requestId = this.nextRequestId++;
    this.requests.set(requestId, { requestId, personId: person.personId, profileId: profile.id });
    this.emit({ type: 'credential-request', requestId, profileId: profile.id, label: profile.label, reason });
  }

  private closeRequest(requestId: number): void {
    if (this.requests.delete(requestId)) this.emit({ type: 'request-closed', requestId });
  }

  private emit(event: EssoEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.options.log.error('eSSO listener failed', { error: String(error) });
      }
    }
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue
      .then(task)
      .catch((error: unknown) => this.options.log.error('eSSO task failed', { error: String(error) }));
  }

  private async audit(
    action: AuditRecord['action'],
    outcome: AuditRecord['outcome'],
    reason: AuditReason,
    person: EssoPerson | null,
    application: string,
    screen: string,
    detail?: string,
  ): Promise<void> {
    const record: AuditRecord = {
      id: this.options.newId(),
      action,
      outcome,
      personId: person?.personId ?? null,
      displayName: person?.displayName ?? null,
      nationalId: person?.nationalId ?? null,
      workstation: this.options.agent.policy().workstationName,
      badgeKind: null,
      method: null,
      reason,
      ...(detail === undefined ? {} : { detail }),
      application,
      screen,
      time: new Date(this.options.clock.now()).toISOString(),
    };
    try {
      await this.options.audit.append(record);
    } catch (error) {
      this.options.log.error('audit append failed', { error: String(error), action, reason });
    }
  }
}
