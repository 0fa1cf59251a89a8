/**
 * A process that writes an audit trail as the agent does (the chained store, checkpoints signed
 * with a key from a file-less memory vault) and forwards it to a SIEM, printing `durable N` once
 * record N is on disk. The tests kill it (-9) in the middle of its work.
 * Usage: tsx test/harness/audit/trail-writer.ts DIR COUNT [tls://HOST:PORT CAFILE]
 * After COUNT records it waits to be killed.
 */
import { readFileSync } from 'node:fs';
import { VaultCheckpointKey } from '../../../app/adapters/audit/chain-crypto.js';
import { ChainedAuditStore } from '../../../app/adapters/audit/chained-store.js';
import { SiemForwarder } from '../../../app/adapters/audit/siem-forwarder.js';
import { parseSiemUrl } from '../../../app/adapters/audit/syslog-tls.js';
import { silentLog } from '../../../app/adapters/log/winston-log.js';
import { MemorySecretStore } from '../sim/memory-stores.js';

const [directory, countText, url, caFile] = process.argv.slice(2);
if (!directory || !countText) throw new Error('usage: trail-writer DIR COUNT [tls://HOST:PORT CAFILE]');
const target = url && caFile ? parseSiemUrl(url, readFileSync(caFile, 'utf8')) : null;
const forwarder = target
  ? new SiemForwarder({ directory, target, log: silentLog, batchSize: 50, retryMs: 50, maxRetryMs: 200 })
  : null;
const store = new ChainedAuditStore({
  directory,
  workstation: 'WS-CRASH',
  checkpointKey: new VaultCheckpointKey(new MemorySecretStore()),
  log: silentLog,
  retentionDays: 183,
  checkpointEvery: 50,
  onDurable: () => forwarder?.notify(),
});
forwarder?.notify();
for (let n = 1; n <= Number(countText); n += 1) {
  await store.append({
    id: `crash-${n}`,
    action: 'authentication',
    outcome: 'failure',
    personId: null,
    displayName: null,
    nationalId: null,
    workstation: 'WS-CRASH',
    badgeKind: 'rfid',
    badgeId: '04A1B2C3',
    method: null,
    reason: 'wrong-pin',
    time: new Date().toISOString(),
  });
  process.stdout.write(`durable ${n}\n`);
}
setInterval(() => undefined, 1 << 30);
