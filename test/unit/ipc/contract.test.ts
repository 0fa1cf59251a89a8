import { describe, expect, it } from '@jest/globals';
import {
  EVENT_NAMES,
  REQUEST_NAMES,
  parseEvent,
  parseRequest,
  parseResult,
  requestChannel,
  eventChannel,
  events,
  requests,
  type Snapshot,
} from '../../../app/ipc/contract.js';
import { safeDisplayText } from '../../../app/ipc/display-text.js';

/** Every field name a schema can hold, however deep (zod 4 definitions). */
function fieldNames(schema: unknown): string[] {
  const def = (schema as { def?: Record<string, unknown> }).def;
  if (!def) return [];
  switch (def.type) {
    case 'object': {
      const shape = def.shape as Record<string, unknown>;
      return Object.entries(shape).flatMap(([key, value]) => [key, ...fieldNames(value)]);
    }
    case 'nullable':
    case 'optional':
      return fieldNames(def.innerType);
    case 'array':
      return fieldNames(def.element);
    case 'union':
      return (def.options as unknown[]).flatMap(fieldNames);
    case 'record':
      return fieldNames(def.valueType);
    default:
      return [];
  }
}

const SNAPSHOT: Snapshot = {
  phase: 'awaiting-pin',
  user: null,
  prompt: {
    attemptId: 3,
    person: { displayName: 'Claire Martin', profession: 'Infirmière', nationalId: '899700075122' },
    pinTriesLeft: 2,
    over: null,
  },
  undoRemainingMs: null,
  ecps: null,
  suspended: [],
  readers: [{ name: 'Lecteur 00', kind: 'pcsc', cardPresent: true }],
  health: { readers: 'ok', idp: 'ok' },
};

describe('the IPC contract', () => {
  it('accepts a PIN of 4 to 12 digits for an attempt, and nothing else', () => {
    expect(parseRequest('submitPin', { attemptId: 3, pin: '1234' })).toEqual({ attemptId: 3, pin: '1234' });
    expect(parseRequest('submitPin', { attemptId: 3, pin: '123456789012' })).not.toBeNull();
    for (const bad of [
      { attemptId: 3, pin: '123' },
      { attemptId: 3, pin: '1234567890123' },
      { attemptId: 3, pin: '12a4' },
      { attemptId: 3, pin: '１２３４' },
      { attemptId: 3, pin: '1234\n' },
      { attemptId: 3, pin: 1234 },
      { attemptId: -1, pin: '1234' },
      { attemptId: 1.5, pin: '1234' },
      { attemptId: '3', pin: '1234' },
      { pin: '1234' },
      { attemptId: 3, pin: '1234', extra: true },
      null,
      undefined,
      '1234',
      [3, '1234'],
    ]) {
      expect(parseRequest('submitPin', bad)).toBeNull();
    }
  });

  it('refuses payloads on requests that take none, and unknown fields anywhere', () => {
    expect(parseRequest('undo', {})).toEqual({});
    expect(parseRequest('undo', { force: true })).toBeNull();
    expect(parseRequest('lockNow', null)).toBeNull();
    expect(parseRequest('getDiagnostics', [])).toBeNull();
    expect(parseRequest('cancelPin', { attemptId: 2, reason: 'x' })).toBeNull();
    expect(parseRequest('chooseEcps', {})).toBeNull();
    expect(parseRequest('cancelEcps', { attemptId: 2, force: true })).toBeNull();
  });

  it('accepts an RPPS national ID (8 then 11 digits) for e-CPS, and nothing else', () => {
    expect(parseRequest('chooseEcps', { nationalId: '899700075122' })).toEqual({
      nationalId: '899700075122',
    });
    for (const bad of [
      '099700075122', // ADELI: not an e-CPS login
      '89970007512',
      '8997000751223',
      '89970007512x',
      '８９９７０００７５１２２',
      ' 899700075122',
      899700075122,
      null,
    ]) {
      expect(parseRequest('chooseEcps', { nationalId: bad })).toBeNull();
    }
    expect(parseRequest('cancelEcps', { attemptId: 4 })).toEqual({ attemptId: 4 });
  });

  it('lets the e-CPS code cross only as two digits', () => {
    const waiting: Snapshot = {
      ...SNAPSHOT,
      phase: 'ecps-waiting',
      prompt: { attemptId: 4, person: null, pinTriesLeft: null, over: null },
      ecps: { attemptId: 4, bindingMessage: '07', remainingMs: 119_000 },
    };
    expect(parseEvent('state', waiting)).toEqual(waiting);
    for (const code of ['7', '007', 'ab', '4\n']) {
      expect(
        parseEvent('state', { ...waiting, ecps: { ...waiting.ecps!, bindingMessage: code } }),
      ).toBeNull();
    }
    expect(
      parseResult('chooseEcps', { ok: true, value: { attemptId: 4, bindingMessage: '42' } }),
    ).not.toBeNull();
    expect(
      parseResult('chooseEcps', { ok: true, value: { attemptId: 4, bindingMessage: '420' } }),
    ).toBeNull();
  });

  it('has no field that could carry a token, in any request, response or event', () => {
    const fields = [
      ...Object.values(requests).flatMap((r) => [...fieldNames(r.request), ...fieldNames(r.response)]),
      ...Object.values(events).flatMap((e) => fieldNames(e)),
    ];
    expect(fields).toEqual(expect.arrayContaining(['attemptId', 'pin', 'displayName', 'phase']));
    expect(fields.filter((name) => /token|secret|password|assertion/i.test(name))).toEqual([]);
    const withToken = { ...SNAPSHOT, user: { ...SNAPSHOT.prompt!.person!, accessToken: 'eyJ...' } };
    expect(parseEvent('state', withToken)).toBeNull();
    expect(parseResult('getSnapshot', { ok: true, value: { ...SNAPSHOT, idToken: 'x' } })).toBeNull();
  });

  it('checks events: a snapshot with a 500-character name or an unknown phase does not cross', () => {
    expect(parseEvent('state', SNAPSHOT)).toEqual(SNAPSHOT);
    const longName = {
      ...SNAPSHOT,
      user: { displayName: 'A'.repeat(500), profession: null, nationalId: null },
    };
    expect(parseEvent('state', longName)).toBeNull();
    expect(parseEvent('state', { ...SNAPSHOT, phase: 'unlocked' })).toBeNull();
    expect(parseEvent('feedback', { message: 'welcome', text: 'Bienvenue' })).not.toBeNull();
    expect(parseEvent('feedback', { message: 'Welcome<script>', text: 'x' })).toBeNull();
    expect(parseEvent('navigate', { screen: 'https://evil.example' })).toBeNull();
  });

  it('lets errors cross only as a known code, never as a message or a stack', () => {
    expect(parseResult('undo', { ok: false, code: 'forbidden' })).toEqual({ ok: false, code: 'forbidden' });
    expect(parseResult('undo', { ok: false, code: 'forbidden', stack: 'Error: at x' })).toBeNull();
    expect(parseResult('undo', { ok: false, code: 'ENOENT' })).toBeNull();
    expect(parseResult('undo', { ok: false, message: 'boom' })).toBeNull();
  });

  it('names every channel in its own namespace', () => {
    expect(REQUEST_NAMES.map(requestChannel)).toContain('releve:request:submitPin');
    expect(EVENT_NAMES.map(eventChannel)).toEqual(
      expect.arrayContaining(['releve:event:state', 'releve:event:feedback']),
    );
  });
});

describe('names shown on screen', () => {
  it('lose control characters, bidi overrides and zero-width marks, and are bounded', () => {
    expect(safeDisplayText('\u202Egnp.exe\u0007 Martin\u200B\u2066')).toBe('gnp.exe Martin');
    expect(Array.from(safeDisplayText('é'.repeat(500), 80))).toHaveLength(80);
    expect(safeDisplayText('Dr\n\tPaul   Durand')).toBe('Dr Paul Durand');
  });
});
