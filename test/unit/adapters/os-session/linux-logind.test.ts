import { describe, expect, it } from '@jest/globals';
import {
  LogindOsSession,
  logindIdleProbe,
  xprintidleProbe,
  type CommandResult,
  type CommandRunner,
} from '../../../../app/adapters/os-session/linux-logind.js';
import { silentLog } from '../../../../app/adapters/log/winston-log.js';
import type { OsSessionEvent } from '../../../../app/core/ports/index.js';

const accountOf = (user: { personId: string }): string => user.personId;

/** A command runner that records calls and answers from a script. */
function scriptedRunner(
  answer: (program: string, args: readonly string[]) => CommandResult = () => ({
    code: 0,
    stdout: '',
    stderr: '',
  }),
) {
  const calls: string[] = [];
  const run: CommandRunner = async (program, args) => {
    calls.push([program, ...args].join(' '));
    return answer(program, args);
  };
  return { calls, run };
}

/** A poller moved by hand: each `tick()` runs one poll and lets its promise settle. */
function manualEvery() {
  let tick: (() => void) | null = null;
  return {
    every: (_ms: number, callback: () => void) => {
      tick = callback;
      return () => {
        tick = null;
      };
    },
    async tick() {
      tick?.();
      for (let i = 0; i < 5; i += 1) await Promise.resolve();
    },
    get running() {
      return tick !== null;
    },
  };
}

describe('os-lock on Linux through logind', () => {
  it('locks the configured session with loginctl, without a shell', async () => {
    const runner = scriptedRunner();
    const os = new LogindOsSession({ run: runner.run, sessionId: 'c2', accountOf, log: silentLog });
    await os.lock();
    expect(runner.calls).toEqual(['loginctl lock-session c2']);
  });

  it("locks the seat's session in front when none is configured", async () => {
    const runner = scriptedRunner((_program, args) => ({
      code: 0,
      stdout: args[0] === 'show-seat' ? 'c7\n' : '',
      stderr: '',
    }));
    await new LogindOsSession({ run: runner.run, accountOf, log: silentLog }).lock();
    expect(runner.calls).toEqual([
      'loginctl show-seat seat0 --property=ActiveSession --value',
      'loginctl lock-session c7',
    ]);
  });

  it('locks every session when the one in front cannot be told', async () => {
    const runner = scriptedRunner((_program, args) =>
      args[0] === 'show-seat'
        ? { code: 1, stdout: '', stderr: 'Failed to get seat: No seat' }
        : { code: 0, stdout: '', stderr: '' },
    );
    await new LogindOsSession({ run: runner.run, accountOf, log: silentLog }).lock();
    expect(runner.calls.at(-1)).toBe('loginctl lock-sessions');
  });

  it('fails the lock with a clear sentence when logind refuses it', async () => {
    const runner = scriptedRunner(() => ({
      code: 1,
      stdout: '',
      stderr: 'Failed to issue method call: No session\nmore',
    }));
    const os = new LogindOsSession({ run: runner.run, sessionId: 'c9', accountOf, log: silentLog });
    await expect(os.lock()).rejects.toThrow(
      'loginctl lock-session failed (exit 1): Failed to issue method call: No session',
    );
  });

  it('reports inactivity once per idle period, and again after activity', async () => {
    const idle = [0, 700_000, 800_000, 1_000, 650_000];
    const poller = manualEvery();
    const events: OsSessionEvent[] = [];
    const os = new LogindOsSession({
      run: scriptedRunner().run,
      idleProbe: async () => idle.shift() ?? null,
      every: poller.every,
      accountOf,
      log: silentLog,
    });
    const stop = os.watch(600_000, (event) => events.push(event));
    for (let i = 0; i < 5; i += 1) await poller.tick();
    expect(events).toEqual([{ type: 'inactivity-timeout' }, { type: 'inactivity-timeout' }]);
    stop();
    expect(poller.running).toBe(false);
  });

  it('does not watch when the inactivity lock is off or no probe exists', () => {
    const poller = manualEvery();
    const os = new LogindOsSession({
      run: scriptedRunner().run,
      idleProbe: async () => 0,
      every: poller.every,
      accountOf,
      log: silentLog,
    });
    os.watch(0, () => undefined);
    expect(poller.running).toBe(false);
    new LogindOsSession({ run: scriptedRunner().run, every: poller.every, accountOf, log: silentLog }).watch(
      60_000,
      () => undefined,
    );
    expect(poller.running).toBe(false);
  });
});

describe('idle probes', () => {
  it("reads logind's idle hint against the monotonic clock", async () => {
    const runner = scriptedRunner(() => ({
      code: 0,
      stdout: 'IdleHint=yes\nIdleSinceHintMonotonic=1000000000\n',
      stderr: '',
    }));
    const probe = logindIdleProbe(runner.run, 'c2', () => 1_090_000_000);
    await expect(probe()).resolves.toBe(90_000);
    expect(runner.calls[0]).toBe(
      'loginctl show-session c2 --property=IdleHint --property=IdleSinceHintMonotonic',
    );
  });

  it('says 0 when logind says the session is busy, and null when it cannot tell', async () => {
    await expect(
      logindIdleProbe(
        scriptedRunner(() => ({ code: 0, stdout: 'IdleHint=no\nIdleSinceHintMonotonic=0\n', stderr: '' }))
          .run,
        undefined,
      )(),
    ).resolves.toBe(0);
    await expect(
      logindIdleProbe(scriptedRunner(() => ({ code: 1, stdout: '', stderr: 'no logind' })).run, undefined)(),
    ).resolves.toBeNull();
    await expect(
      logindIdleProbe(
        scriptedRunner(() => ({ code: 0, stdout: 'IdleHint=yes\n', stderr: '' })).run,
        undefined,
      )(),
    ).resolves.toBeNull();
  });

  it('reads xprintidle milliseconds, and null on garbage', async () => {
    await expect(
      xprintidleProbe(scriptedRunner(() => ({ code: 0, stdout: '4521\n', stderr: '' })).run)(),
    ).resolves.toBe(4521);
    await expect(
      xprintidleProbe(scriptedRunner(() => ({ code: 0, stdout: 'oops', stderr: '' })).run)(),
    ).resolves.toBeNull();
  });
});
