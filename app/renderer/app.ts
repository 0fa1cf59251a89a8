/**
 * The screens: lock screen, PIN pad, tap-over, tap-out undo, e-CPS, errors, diagnostics. They
 * show what the agent says (state and feedback events) and send back only what a person does
 * (a PIN, a cancel, an undo, a lock). Everything is usable by keyboard alone, every control is
 * at least 64 px (gloved fingers), and feedback is announced to screen readers.
 */
import {
  NATIONAL_ID_LENGTH,
  NATIONAL_ID_PATTERN,
  type Diagnostics,
  type ErrorCode,
  type Feedback,
  type Locale,
  type ReleveApi,
  type Snapshot,
} from '../ipc/contract.js';
import { button, el, nameNode } from './dom.js';
import {
  DigitEntry,
  errorAfterFeedback,
  errorText,
  screenFor,
  type ErrorKind,
  type Route,
  type Screen,
} from './screen-logic.js';
import { UI_STRINGS, type UiStrings } from './strings.js';

const EMPTY_SNAPSHOT: Snapshot = {
  phase: 'locked',
  user: null,
  prompt: null,
  undoRemainingMs: null,
  ecps: null,
  suspended: [],
  readers: [{ name: '', kind: 'simulated', cardPresent: false }],
  health: { readers: 'ok', idp: 'unknown' },
};

export interface AppOptions {
  readonly api: ReleveApi;
  readonly root: HTMLElement;
  /** `cover`: a secondary display's plain lock cover; `diagnostics`: the IT window. */
  readonly role: 'main' | 'cover' | 'diagnostics';
}

export class ReleveApp {
  private snapshot: Snapshot = EMPTY_SNAPSHOT;
  private diagnostics: Diagnostics | null = null;
  private locale: Locale = 'fr';
  private pendingError: ErrorKind | null = null;
  private route: Route = 'main';
  private feedback: Feedback | null = null;
  /** The PIN typed so far; cleared on submit, cancel and every screen change. */
  private readonly pin = new DigitEntry();
  private submitting = false;
  private undoDeadline: number | null = null;
  /** The national ID being typed for e-CPS (not a secret: it is printed on the person's card). */
  private readonly nationalId = new DigitEntry();
  private ecpsSending = false;
  /** When the e-CPS request expires, on this screen's clock. */
  private ecpsDeadline: number | null = null;
  private shownKey = '';
  private readonly updaters: (() => void)[] = [];
  private readonly screenNode: HTMLElement;
  private readonly feedbackNode: HTMLElement;
  private readonly bannerNode: HTMLElement;

  constructor(private readonly options: AppOptions) {
    const { root } = options;
    this.bannerNode = el('div', { id: 'banner', role: 'status', hidden: '' });
    this.screenNode = el('main', { id: 'screen' });
    // Announced politely, whole: the tap feedback is the first thing a person hears.
    this.feedbackNode = el('p', {
      id: 'feedback',
      role: 'status',
      'aria-live': 'polite',
      'aria-atomic': 'true',
    });
    root.replaceChildren(this.bannerNode, this.screenNode, this.feedbackNode);
    if (options.role === 'diagnostics') this.route = 'diagnostics';
  }

  private get strings(): UiStrings {
    return UI_STRINGS[this.locale];
  }

  async start(): Promise<void> {
    const { api } = this.options;
    api.on('state', (snapshot) => this.onState(snapshot));
    api.on('feedback', (feedback) => this.onFeedback(feedback));
    api.on('reader', ({ available }) => {
      if (available && this.pendingError === 'readerMissing') this.pendingError = null;
      this.render();
    });
    api.on('navigate', ({ screen }) => {
      if (screen === 'ecps' && this.options.role === 'main') {
        this.go('ecps');
        return;
      }
      this.route = screen === 'diagnostics' ? 'diagnostics' : 'main';
      this.render();
    });
    document.addEventListener('keydown', (event) => this.onKey(event));
    setInterval(() => this.tick(), 250);
    const [diagnostics, snapshot] = await Promise.all([api.getDiagnostics({}), api.getSnapshot({})]);
    if (diagnostics.ok) {
      this.diagnostics = diagnostics.value;
      this.locale = diagnostics.value.locale;
      document.documentElement.lang = this.locale;
    }
    if (snapshot.ok) this.onState(snapshot.value);
    else this.render();
  }

  private onState(snapshot: Snapshot): void {
    const previous = this.snapshot;
    this.snapshot = snapshot;
    if (snapshot.phase !== 'locked') this.pendingError = null;
    // The e-CPS pad belongs to the moment it was opened: any change of phase closes it.
    if (snapshot.phase !== previous.phase && this.route === 'ecps') this.closeNationalId();
    if (snapshot.prompt?.attemptId !== previous.prompt?.attemptId || snapshot.phase !== 'awaiting-pin') {
      this.clearPin();
    }
    this.submitting = false;
    this.undoDeadline =
      snapshot.undoRemainingMs === null ? null : performance.now() + snapshot.undoRemainingMs;
    this.ecpsDeadline = snapshot.ecps === null ? null : performance.now() + snapshot.ecps.remainingMs;
    this.render();
  }

  private onFeedback(feedback: Feedback): void {
    this.feedback = feedback;
    // An error sticks only on the lock screen: after a failed tap-over (badge or e-CPS) the
    // session underneath is back, and the error must not surface at its next lock.
    if (this.snapshot.phase === 'locked') this.pendingError = errorAfterFeedback(this.pendingError, feedback);
    this.feedbackNode.textContent = feedback.text;
    this.render();
  }

  private clearPin(): void {
    this.pin.clear();
  }

  private screen(): Screen {
    return screenFor({
      snapshot: this.snapshot,
      pendingError: this.pendingError,
      route: this.route,
    });
  }

  /** Rebuilds the screen when what it shows changed; otherwise only its live parts move. */
  private render(): void {
    this.renderBanner();
    if (this.options.role === 'cover') {
      if (this.shownKey !== 'cover') this.show('cover', this.coverScreen());
      return;
    }
    const screen = this.screen();
    const prompt = this.snapshot.prompt;
    const key = JSON.stringify([
      screen,
      prompt,
      this.snapshot.user,
      this.snapshot.suspended,
      this.snapshot.readers.length,
      this.locale,
      this.ecpsOffered(),
      this.workstationName(),
      screen.kind === 'diagnostics' ? this.diagnostics : null,
    ]);
    if (key === this.shownKey) {
      for (const update of this.updaters) update();
      return;
    }
    this.show(key, this.build(screen));
  }

  private show(key: string, node: HTMLElement): void {
    this.shownKey = key;
    this.screenNode.replaceChildren(node);
    this.screenNode.dataset.screen = node.dataset.screen ?? '';
    for (const update of this.updaters) update();
    const target =
      node.querySelector<HTMLElement>('[data-autofocus]') ?? node.querySelector<HTMLElement>('h1');
    target?.focus({ preventScroll: true });
  }

  private build(screen: Screen): HTMLElement {
    this.updaters.length = 0;
    switch (screen.kind) {
      case 'lock':
        return this.lockScreen();
      case 'error':
        return this.errorScreen(screen.error);
      case 'reading':
        return this.waitScreen('reading', this.strings.reading);
      case 'switching':
        return this.switchingScreen();
      case 'pin':
        return this.pinScreen();
      case 'checking':
        return this.waitScreen('checking', this.strings.checking);
      case 'active':
        return this.activeScreen();
      case 'locking':
        return this.lockingScreen();
      case 'ecps':
        return this.nationalIdScreen();
      case 'ecps-waiting':
        return this.ecpsWaitingScreen();
      case 'diagnostics':
        return this.diagnosticsScreen();
    }
  }

  private renderBanner(): void {
    const { phase } = this.snapshot;
    const text =
      phase === 'offline-active'
        ? this.strings.offlineBanner
        : phase === 'break-glass'
          ? this.strings.breakGlassBanner
          : null;
    this.bannerNode.textContent = text ?? '';
    this.bannerNode.toggleAttribute('hidden', text === null);
    this.bannerNode.className = phase === 'break-glass' ? 'banner danger' : 'banner warning';
  }

  /** The 3 × 4 pad the PIN and the national ID are typed on: 1–9, erase, 0, submit. */
  private digitPad(pad: {
    className: string;
    label: string;
    type: (digit: string) => void;
    erase: () => void;
    eraseId: string;
    submit: { label: string; action: () => void; id: string };
  }): HTMLElement {
    const key = (
      label: string,
      action: () => void,
      attributes: Record<string, string> = {},
    ): HTMLButtonElement => button(label, action, { class: 'key', ...attributes });
    return el(
      'div',
      { class: pad.className, role: 'group', 'aria-label': pad.label },
      ...['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) =>
        key(d, () => pad.type(d), { 'data-digit': d }),
      ),
      key(this.strings.erase, pad.erase, { class: 'key erase', id: pad.eraseId }),
      key('0', () => pad.type('0'), { 'data-digit': '0' }),
      key(pad.submit.label, pad.submit.action, { class: 'key validate', id: pad.submit.id }),
    );
  }

  /** On the e-CPS screens over someone's session: whose session the approval will set aside. */
  private ecpsOverNotice(displayName: string): HTMLParagraphElement {
    const s = this.strings;
    return el(
      'p',
      { class: 'over', id: 'ecps-over-notice' },
      `${s.switchingTitle} — `,
      s.sessionOfBefore,
      nameNode(displayName),
      s.sessionOfAfter,
    );
  }

  private heading(text: string): HTMLHeadingElement {
    return el('h1', { tabindex: '-1' }, text);
  }

  private section(name: string, ...children: (Node | null | false)[]): HTMLElement {
    return el('section', { class: `screen screen-${name}`, 'data-screen': name }, ...children);
  }

  private workstationName(): string {
    return this.diagnostics?.workstationName ?? '';
  }

  private clock(): HTMLElement {
    const time = el('p', { class: 'clock', 'aria-hidden': 'true' });
    const date = el('p', { class: 'date' });
    const update = (): void => {
      const now = new Date();
      const tag = this.locale === 'fr' ? 'fr-FR' : 'en-GB';
      time.textContent = new Intl.DateTimeFormat(tag, { hour: '2-digit', minute: '2-digit' }).format(now);
      date.textContent = new Intl.DateTimeFormat(tag, {
        weekday: 'long',
        day: 'numeric',
        month: 'long',
      }).format(now);
    };
    this.updaters.push(update);
    return el('div', { class: 'clock-block' }, time, date);
  }

  private coverScreen(): HTMLElement {
    this.updaters.length = 0;
    return this.section('cover', this.clock(), this.heading(this.strings.coverLocked));
  }

  private suspendedLine(): HTMLElement | null {
    const { suspended } = this.snapshot;
    if (suspended.length === 0) return null;
    const line = el('p', { class: 'suspended' }, this.strings.suspendedSessions(''));
    suspended.forEach((person, index) => {
      if (index > 0) line.append(', ');
      line.append(nameNode(person.displayName, 40));
    });
    return line;
  }

  private lockScreen(): HTMLElement {
    const s = this.strings;
    return this.section(
      'lock',
      this.clock(),
      el('p', { class: 'workstation' }, s.workstation(this.workstationName())),
      el('div', { class: 'badge-icon', 'aria-hidden': 'true' }),
      this.heading(s.tapToSignIn),
      this.suspendedLine(),
      this.ecpsOffered()
        ? el(
            'div',
            { class: 'actions' },
            button(s.useEcps, () => this.go('ecps'), { class: 'secondary', id: 'ecps' }),
          )
        : null,
      button(s.workstationInfo, () => this.go('diagnostics'), { class: 'link', id: 'open-diagnostics' }),
    );
  }

  private waitScreen(name: string, title: string): HTMLElement {
    const person = this.snapshot.prompt?.person;
    return this.section(
      name,
      el('div', { class: 'spinner', 'aria-hidden': 'true' }),
      this.heading(title),
      person ? el('p', { class: 'person' }, nameNode(person.displayName)) : null,
    );
  }

  private switchingScreen(): HTMLElement {
    const s = this.strings;
    const over = this.snapshot.prompt?.over;
    return this.section(
      'switching',
      this.heading(s.switchingTitle),
      over ? el('p', { class: 'over' }, s.switchingSuspends, ' ', nameNode(over.displayName)) : null,
      el('div', { class: 'spinner', 'aria-hidden': 'true' }),
      el('p', {}, s.reading),
    );
  }

  private pinScreen(): HTMLElement {
    const s = this.strings;
    const prompt = this.snapshot.prompt;
    const person = prompt?.person ?? null;
    const title = person
      ? el('h1', { tabindex: '-1' }, s.pinFor, ' ', nameNode(person.displayName))
      : this.heading(s.enterPin);
    const over = prompt?.over
      ? el(
          'p',
          { class: 'over', id: 'tap-over-notice' },
          person ? nameNode(person.displayName) : null,
          person ? ` ${s.takesOver} — ` : `${s.switchingTitle} — `,
          s.sessionOfBefore,
          nameNode(prompt.over.displayName),
          s.sessionOfAfter,
        )
      : null;
    const tries = prompt?.pinTriesLeft ?? null;
    const triesNode =
      tries === null
        ? null
        : el(
            'p',
            { class: tries <= 1 ? 'tries last' : 'tries', id: 'tries-left' },
            tries <= 1 ? `${s.lastTry} — ${s.triesLeft(tries)}` : s.triesLeft(tries),
          );

    const dots = el('div', { class: 'pin-dots', id: 'pin-dots', role: 'img' });
    const note = el('p', { class: 'pin-note', id: 'pin-note', role: 'alert' });
    const max = this.diagnostics?.pinMaxLength ?? 12;
    const updateDots = (): void => {
      const count = this.pin.digits.length;
      dots.setAttribute('aria-label', s.digitsEntered(count));
      dots.dataset.count = String(count);
      const shown = Math.max(count, this.diagnostics?.pinMinLength ?? 4);
      dots.replaceChildren(
        ...Array.from({ length: shown }, (_, i) => el('span', { class: i < count ? 'dot filled' : 'dot' })),
      );
      note.textContent = this.pin.note ?? '';
    };
    this.updaters.push(updateDots);

    const pad = this.digitPad({
      className: 'pin-pad',
      label: s.enterPin,
      type: (d) => this.typeDigit(d, max),
      erase: () => this.eraseDigit(),
      eraseId: 'pin-erase',
      submit: { label: s.validate, action: () => void this.submitPin(), id: 'pin-submit' },
    });
    return this.section(
      'pin',
      title,
      person?.profession ? el('p', { class: 'profession' }, nameNode(person.profession, 60)) : null,
      over,
      triesNode,
      dots,
      note,
      pad,
      button(s.cancel, () => void this.cancelPin(), { class: 'secondary cancel', id: 'pin-cancel' }),
    );
  }

  private typeDigit(digit: string, max: number): void {
    if (this.submitting) return;
    this.pin.type(digit, max, this.strings.pinTooLong(max));
    this.render();
  }

  private eraseDigit(): void {
    this.pin.erase();
    this.render();
  }

  private async submitPin(): Promise<void> {
    const prompt = this.snapshot.prompt;
    if (!prompt || this.submitting) return;
    const min = this.diagnostics?.pinMinLength ?? 4;
    if (this.pin.digits.length < min) {
      this.pin.note = this.strings.pinTooShort(min);
      this.render();
      return;
    }
    // The PIN leaves the page once, as the contract's string; the page keeps no copy.
    const pin = this.pin.text;
    this.clearPin();
    this.submitting = true;
    this.render();
    const result = await this.options.api.submitPin({ attemptId: prompt.attemptId, pin });
    this.submitting = false;
    if (!result.ok) {
      this.pin.note = this.pinProblem(result.code);
      this.render();
    }
  }

  private pinProblem(code: ErrorCode): string {
    const s = this.strings;
    switch (code) {
      case 'pin-too-short':
        return s.pinTooShort(this.diagnostics?.pinMinLength ?? 4);
      case 'pin-too-long':
        return s.pinTooLong(this.diagnostics?.pinMaxLength ?? 12);
      case 'no-prompt':
        return s.pinRefused;
      default:
        return s.requestFailed;
    }
  }

  private async cancelPin(): Promise<void> {
    const prompt = this.snapshot.prompt;
    this.clearPin();
    if (prompt) await this.options.api.cancelPin({ attemptId: prompt.attemptId });
  }

  private activeScreen(): HTMLElement {
    const s = this.strings;
    const user = this.snapshot.user;
    return this.section(
      'active',
      this.heading(s.signedIn),
      user ? el('p', { class: 'person' }, nameNode(user.displayName)) : null,
      user?.profession ? el('p', { class: 'profession' }, nameNode(user.profession, 60)) : null,
      this.suspendedLine(),
      button(s.lockNow, () => void this.options.api.lockNow({}), { class: 'primary', id: 'lock-now' }),
      this.ecpsOffered()
        ? button(s.ecpsOther, () => this.go('ecps'), { class: 'secondary', id: 'ecps-over' })
        : null,
    );
  }

  private lockingScreen(): HTMLElement {
    const s = this.strings;
    const user = this.snapshot.user;
    const countdown = el('p', { class: 'countdown', id: 'undo-countdown', 'aria-live': 'off' });
    const update = (): void => {
      const left = this.undoDeadline === null ? 0 : Math.max(0, this.undoDeadline - performance.now());
      countdown.textContent = s.lockingIn(Math.ceil(left / 1000));
    };
    this.updaters.push(update);
    const undo = button(s.undo, () => void this.options.api.undo({}), {
      class: 'primary huge',
      id: 'undo',
      'data-autofocus': '',
    });
    const screen = this.section(
      'locking',
      this.heading(s.lockingTitle),
      user ? el('p', { class: 'person' }, nameNode(user.displayName)) : null,
      countdown,
      undo,
      el('p', { class: 'hint' }, s.undoHint),
    );
    // "Touch to cancel": anywhere on this screen is the undo target, not only the button.
    screen.addEventListener('click', (event) => {
      if (event.target !== undo) void this.options.api.undo({});
    });
    return screen;
  }

  private errorScreen(kind: ErrorKind): HTMLElement {
    const s = this.strings;
    const text = errorText(s, kind);
    const screen = this.section(
      'error',
      el('div', { class: 'error-icon', 'aria-hidden': 'true' }, '!'),
      this.heading(text.title),
      el('p', { class: 'action', role: 'alert' }, text.action),
      el('p', { class: 'support' }, s.supportHint(this.workstationName())),
      kind === 'readerMissing'
        ? // Without a reader, e-CPS is the way in that is left.
          this.ecpsOffered()
          ? button(s.useEcps, () => this.go('ecps'), { class: 'secondary', id: 'ecps' })
          : null
        : button(s.ok, () => this.dismissError(), { class: 'primary', id: 'dismiss', 'data-autofocus': '' }),
    );
    screen.dataset.error = kind;
    return screen;
  }

  private dismissError(): void {
    this.pendingError = null;
    this.render();
  }

  /** e-CPS, first step: the person types their national ID (RPPS) on a pad. */
  private nationalIdScreen(): HTMLElement {
    const s = this.strings;
    const over = this.snapshot.user;
    const shown = el('p', {
      class: 'national-id',
      id: 'national-id',
      'aria-labelledby': 'national-id-label',
    });
    const note = el('p', { class: 'pin-note', id: 'ecps-note', role: 'alert' });
    this.updaters.push(() => {
      shown.textContent = this.nationalId.text;
      shown.dataset.count = String(this.nationalId.digits.length);
      note.textContent = this.nationalId.note ?? '';
    });
    const pad = this.digitPad({
      className: 'pin-pad id-pad',
      label: s.nationalIdLabel,
      type: (d) => this.typeIdDigit(d),
      erase: () => this.eraseIdDigit(),
      eraseId: 'ecps-erase',
      submit: { label: s.ecpsSend, action: () => void this.sendNationalId(), id: 'ecps-submit' },
    });
    return this.section(
      'ecps',
      this.heading(s.ecpsTitle),
      over ? this.ecpsOverNotice(over.displayName) : null,
      el('p', { class: 'binding-label', id: 'national-id-label' }, s.nationalIdLabel),
      shown,
      el('p', { class: 'hint' }, s.nationalIdHint),
      note,
      pad,
      button(s.cancel, () => this.go('main'), { class: 'secondary cancel', id: 'back' }),
    );
  }

  private typeIdDigit(digit: string): void {
    if (this.ecpsSending) return;
    this.nationalId.type(digit, NATIONAL_ID_LENGTH, this.strings.nationalIdTooLong);
    this.render();
  }

  private eraseIdDigit(): void {
    this.nationalId.erase();
    this.render();
  }

  private closeNationalId(): void {
    this.nationalId.clear();
    this.route = 'main';
  }

  private async sendNationalId(): Promise<void> {
    if (this.ecpsSending) return;
    const nationalId = this.nationalId.text;
    if (!NATIONAL_ID_PATTERN.test(nationalId)) {
      this.nationalId.note = this.strings.nationalIdInvalid;
      this.render();
      return;
    }
    this.ecpsSending = true;
    const result = await this.options.api.chooseEcps({ nationalId });
    this.ecpsSending = false;
    if (result.ok) {
      // The agent's state (ecps-waiting) brings the code screen; the pad is done.
      if (this.route === 'ecps') this.closeNationalId();
    } else {
      this.nationalId.note = this.ecpsProblem(result.code);
    }
    this.render();
  }

  private ecpsProblem(code: ErrorCode): string {
    const s = this.strings;
    switch (code) {
      case 'ecps-not-available':
        return s.ecpsNotAvailable;
      case 'ecps-busy':
        return s.ecpsBusy;
      case 'national-id-invalid':
      case 'invalid-request':
        return s.nationalIdInvalid;
      default:
        return s.requestFailed;
    }
  }

  /** e-CPS, second step: the code to pick in the app, big; the time left; Cancel. */
  private ecpsWaitingScreen(): HTMLElement {
    const s = this.strings;
    const ecps = this.snapshot.ecps;
    const over = this.snapshot.prompt?.over ?? null;
    const code = ecps?.bindingMessage ?? '';
    const countdown = el('p', { class: 'countdown', id: 'ecps-countdown', 'aria-live': 'off' });
    this.updaters.push(() => {
      const left = this.ecpsDeadline === null ? 0 : Math.max(0, this.ecpsDeadline - performance.now());
      countdown.textContent = s.ecpsExpiresIn(Math.ceil(left / 1000));
    });
    return this.section(
      'ecps-waiting',
      this.heading(s.ecpsWaitingTitle),
      over ? this.ecpsOverNotice(over.displayName) : null,
      el(
        'div',
        { class: 'binding' },
        el('p', { class: 'binding-label', id: 'binding-label' }, s.ecpsCodeLabel),
        el('p', { class: 'binding-code', 'aria-labelledby': 'binding-label', id: 'binding-code' }, code),
      ),
      el('p', { class: 'hint', id: 'ecps-instruction', role: 'status' }, s.ecpsChoose(code)),
      countdown,
      button(s.cancel, () => void this.cancelEcps(), {
        class: 'primary',
        id: 'ecps-cancel',
        'data-autofocus': '',
      }),
    );
  }

  private async cancelEcps(): Promise<void> {
    const ecps = this.snapshot.ecps;
    if (ecps) await this.options.api.cancelEcps({ attemptId: ecps.attemptId });
  }

  private diagnosticsScreen(): HTMLElement {
    const s = this.strings;
    const d = this.diagnostics;
    const rows = (pairs: readonly (readonly [string, string])[]): HTMLTableSectionElement =>
      el('tbody', {}, ...pairs.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, v))));
    const readers = d?.readers ?? this.snapshot.readers;
    const readerTable =
      readers.length === 0
        ? el('p', { class: 'notice' }, s.noReader)
        : el(
            'table',
            { id: 'readers' },
            el(
              'thead',
              {},
              el(
                'tr',
                {},
                el('th', { scope: 'col' }, s.readerName),
                el('th', { scope: 'col' }, s.readerKind),
                el('th', { scope: 'col' }, s.cardPresent),
              ),
            ),
            el(
              'tbody',
              {},
              ...readers.map((r) =>
                el(
                  'tr',
                  {},
                  el('td', {}, nameNode(r.name, 120)),
                  el('td', {}, r.kind),
                  el('td', {}, r.cardPresent ? s.yes : s.no),
                ),
              ),
            ),
          );
    const policy = d
      ? el(
          'table',
          { id: 'policy' },
          el(
            'thead',
            {},
            el('tr', {}, el('th', { scope: 'col' }, s.setting), el('th', { scope: 'col' }, s.value)),
          ),
          rows(
            Object.entries(d.policy).map(
              ([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)] as const,
            ),
          ),
        )
      : null;
    const screen = this.section(
      'diagnostics',
      this.heading(s.diagnosticsTitle),
      d
        ? el(
            'table',
            { id: 'summary' },
            rows([
              [s.version, d.version],
              [s.workstationLabel, d.workstationName],
              [s.mode, d.mode],
              [s.language, d.locale],
            ]),
          )
        : null,
      el('h2', {}, s.readers),
      readerTable,
      el('h2', {}, s.policyInForce),
      policy,
      this.options.role === 'diagnostics'
        ? null
        : button(s.back, () => this.go('main'), { class: 'primary', id: 'back' }),
    );
    return screen;
  }

  /** e-CPS is offered only where the IdP can do it (said by diagnostics at start). */
  private ecpsOffered(): boolean {
    return this.diagnostics?.ecpsOffered === true;
  }

  private go(route: Route): void {
    if (this.route === 'ecps' && route !== 'ecps') {
      this.closeNationalId();
      // Opened over a session (from the tray): main hides the overlay again if the phase says so.
      void this.options.api.screenClosed({});
    }
    this.route = route;
    if (route === 'diagnostics') {
      // Readers and policy may have changed since start: ask again.
      void this.options.api.getDiagnostics({}).then((result) => {
        if (result.ok) this.diagnostics = result.value;
        this.render();
      });
    }
    this.render();
  }

  private tick(): void {
    for (const update of this.updaters) update();
  }

  private onKey(event: KeyboardEvent): void {
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    const onButton = event.target instanceof HTMLButtonElement;
    const screen = this.options.role === 'cover' ? null : this.screen();
    switch (screen?.kind) {
      case 'pin': {
        const max = this.diagnostics?.pinMaxLength ?? 12;
        if (/^[0-9]$/.test(event.key)) this.typeDigit(event.key, max);
        else if (event.key === 'Backspace') this.eraseDigit();
        else if (event.key === 'Enter' && !onButton) void this.submitPin();
        else if (event.key === 'Escape') void this.cancelPin();
        else return;
        event.preventDefault();
        return;
      }
      case 'locking':
        if (event.key === 'Escape' || ((event.key === 'Enter' || event.key === ' ') && !onButton)) {
          event.preventDefault();
          void this.options.api.undo({});
        }
        return;
      case 'error':
        if (event.key === 'Escape') this.dismissError();
        return;
      case 'ecps':
        if (/^[0-9]$/.test(event.key)) this.typeIdDigit(event.key);
        else if (event.key === 'Backspace') this.eraseIdDigit();
        else if (event.key === 'Enter' && !onButton) void this.sendNationalId();
        else if (event.key === 'Escape') this.go('main');
        else return;
        event.preventDefault();
        return;
      case 'ecps-waiting':
        if (event.key === 'Escape') {
          event.preventDefault();
          void this.cancelEcps();
        }
        return;
      case 'diagnostics':
        if (event.key === 'Escape' && this.options.role !== 'diagnostics') this.go('main');
        return;
      default:
        return;
    }
  }
}
