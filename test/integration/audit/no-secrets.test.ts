/**
 * The real agent through the error paths a simulated workstation can reach — wrong PINs up to the
 * lockout, an unknown badge, the IdP unreachable, the SIEM down then back, a log call handed
 * secrets nested inside an error — with its real outputs: the winston diagnostic log (debug level,
 * to a file), the chained audit trail, the messages a real rsyslogd received over TLS, and the
 * `--json` lines. No PIN, token, vault secret or password reaches any of them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VaultCheckpointKey } from '../../../app/adapters/audit/chain-crypto.js';
import { ChainedAuditStore } from '../../../app/adapters/audit/chained-store.js';
import { SiemForwarder } from '../../../app/adapters/audit/siem-forwarder.js';
import { parseSiemUrl, type SiemTarget } from '../../../app/adapters/audit/syslog-tls.js';
import { createWinstonLog } from '../../../app/adapters/log/winston-log.js';
import { composeAgent } from '../../../app/agent/agent.js';
import { jsonLine } from '../../../app/agent/cli.js';
import { loadCatalogue } from '../../../app/agent/resources.js';
import { DEFAULT_POLICY } from '../../../app/core/policy.js';
import { AIDE, DOCTOR, NURSE } from '../../harness/people.js';
import { typePin } from '../../harness/scenarios.js';
import { createSimWorld, simulatedAdapters } from '../../harness/sim/world.js';
import { rsyslogProblem, startRsyslog, type SyslogReceiver } from '../../harness/syslog/rsyslog.js';

const root = mkdtempSync(join(tmpdir(), 'releve-no-secrets-'));
const problem = rsyslogProblem();

(problem ? describe.skip : describe)('no secret in any output', () => {
  let receiver: SyslogReceiver;
  beforeAll(async () => {
    receiver = await startRsyslog();
  });
  afterAll(async () => {
    await receiver?.stop();
    if (!process.env.KEEP) rmSync(root, { recursive: true, force: true });
  });

  it('keeps PINs, tokens and vault secrets out of the log, the trail, the SIEM and --json', async () => {
    const world = createSimWorld();
    const logFile = join(root, 'releve.log');
    const log = createWinstonLog({ file: logFile, level: 'debug' });
    const directory = join(root, 'trail');
    // The SIEM is down at first: its port answers nothing.
    await receiver.kill();
    const target = parseSiemUrl(`tls://localhost:${receiver.port}`, receiver.caPem) as SiemTarget;
    const siem = new SiemForwarder({ directory, target, log, retryMs: 50, maxRetryMs: 100 });
    const audit = new ChainedAuditStore({
      directory,
      workstation: 'POSTE-SIM-01',
      checkpointKey: new VaultCheckpointKey(world.secrets),
      log,
      retentionDays: 183,
      checkpointEvery: 4,
      onDurable: () => siem.notify(),
    });
    const running = await simulatedAdapters(world, null)(DEFAULT_POLICY, { auditFile: null });
    const agent = composeAgent({ ...running.adapters, audit, log }, DEFAULT_POLICY, {
      catalogue: loadCatalogue('fr'),
    });
    const json: string[] = [];
    agent.subscribe((event) => json.push(jsonLine(event)));
    await agent.start();

    // Wrong PINs up to the IdP's lockout, then the right one refused too.
    for (const pin of ['9999', '0000', '1235', '1234']) {
      await world.tap(NURSE.badgeUid);
      if (agent.snapshot().phase === 'awaiting-pin') await typePin(agent, pin);
      await agent.idle();
    }
    // An unknown badge; the IdP unreachable; then a good sign-in and a tap-out.
    await world.tap('DEADBEEF');
    await agent.idle();
    world.idp.reachable = false;
    await world.tap(DOCTOR.badgeUid);
    await typePin(agent, DOCTOR.pin);
    await agent.idle();
    world.idp.reachable = true;
    await world.tap(AIDE.badgeUid);
    await typePin(agent, AIDE.pin);
    await agent.idle();
    expect(agent.snapshot().phase).toBe('active');
    // A careless log call: secrets nested in an error body.
    log.error('IdP said no', {
      error: new Error(`invalid_grant for password ${AIDE.pin}`),
      body: {
        error: 'invalid_grant',
        password: AIDE.pin,
        nested: { refresh_token: 'rt-abc', list: [{ pin: '4321' }] },
      },
    });
    await agent.stop();
    await running.close();
    await audit.close();

    // The SIEM comes back: everything queued arrives.
    await receiver.restart();
    await siem.flush();
    await siem.stop();
    const trail = readFileSync(join(directory, 'audit.jsonl'), 'utf8');
    const total = trail.split('\n').filter(Boolean).length;
    await receiver.waitForMessages(total);
    await new Promise((resolve) => setTimeout(resolve, 200)); // winston's file stream
    const outputs = {
      log: readFileSync(logFile, 'utf8'),
      trail,
      siem: receiver.messages().join('\n'),
      json: json.join('\n'),
    };

    // The paths were really taken.
    expect(outputs.trail).toMatch(/"reason":"wrong-pin"/);
    expect(outputs.trail).toMatch(/"reason":"idp-unreachable"/);
    expect(outputs.trail).toMatch(/"badgeId":"04A1B2C3D4E5F6"/);
    expect(outputs.siem).toMatch(/wrong-pin/);
    expect(outputs.log).toMatch(/SIEM not reachable/);
    expect(outputs.log).toMatch(/IdP said no/);

    const vaultSecrets = [...world.secrets.entries.values()].flatMap((value) =>
      // Token sets are JSON: each string in them is a secret; a PEM key is one by its lines.
      value.startsWith('{')
        ? Object.values(JSON.parse(value) as Record<string, unknown>).filter(
            (v): v is string => typeof v === 'string' && v.length >= 16,
          )
        : value.split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----')),
    );
    expect(vaultSecrets.length).toBeGreaterThanOrEqual(3); // tokens and the checkpoint key
    for (const [name, text] of Object.entries(outputs)) {
      for (const secret of [...vaultSecrets, 'rt-abc'])
        expect({ name, leaks: text.includes(secret) }).toEqual({ name, leaks: false });
      // A PIN as a value of its own: quoted, after a colon or an equals sign, or in words.
      for (const pin of ['9999', '0000', '1235', '1234', DOCTOR.pin, AIDE.pin])
        expect({
          name,
          pin,
          leaks: new RegExp(`"${pin}"|[:=]\\s*${pin}\\b|password ${pin}`).test(text),
        }).toEqual({
          name,
          pin,
          leaks: false,
        });
      expect({
        name,
        keys: /"(pin|password|refresh_token|access_token)"\s*:\s*"(?!\[redacted\])/i.test(text),
      }).toEqual({
        name,
        keys: false,
      });
    }
  });
});
