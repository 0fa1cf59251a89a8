/**
 * The BadgeSource contract, run against the production PC/SC source on a real pcscd with
 * Debian's vpcd driver and a virtual contactless badge. The reader under test is the second vpcd
 * entry, which the harness can unplug and plug back (pcscd restarts: the first reader blinks).
 * Without root, pcscd or vpcd the suite fails, each test saying why: never a silent pass.
 */
import { silentLog } from '../../../app/adapters/log/winston-log.js';
import { PcscBadgeSource } from '../../../app/adapters/pcsc/pcsc-badge-source.js';
import { snapshotPcscReaders } from '../../../app/adapters/pcsc/reader-snapshot.js';
import { badgeSourceContract } from '../../harness/badge-source-contract.js';
import { startPcscd, vpcdSlots, type RunningPcscd } from '../../harness/pcscd.js';
import { VirtualUidBadge, VpcdConnection } from '../../harness/vcard/index.js';

/** Two vpcd reader entries; the second one's first slot is the reader under test. */
const READERS = 2;
const UNDER_TEST = vpcdSlots(READERS)[2]!;

let pcscd: RunningPcscd | null = null;

/** Waits (bounded) until pcscd shows the reader under test, empty. */
async function untilEmpty(timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let cardPresent: boolean | undefined;
    try {
      cardPresent = snapshotPcscReaders().find((r) => r.name === UNDER_TEST.readerName)?.cardPresent;
    } catch {
      cardPresent = undefined; // pcscd restarting
    }
    if (cardPresent === false) return;
    if (Date.now() > deadline)
      throw new Error(`pcscd did not show ${UNDER_TEST.readerName} empty within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

badgeSourceContract('PC/SC source (real pcscd, vpcd reader, virtual contactless badge)', {
  async open() {
    pcscd = await startPcscd({ readers: READERS, takeOver: true });
    if (!pcscd.ours) throw new Error('this suite re-plugs a vpcd reader: it needs a pcscd of its own');
    const daemon = pcscd;
    let onReader: VpcdConnection | null = null;
    let unplugged = false;
    const takeAway = async (): Promise<void> => {
      await onReader?.remove();
      onReader = null;
    };
    return {
      createSource: () => new PcscBadgeSource({ log: silentLog, maxBackoffMs: 500 }),
      readerName: UNDER_TEST.readerName,
      readerKind: 'pcsc',
      badgeKind: 'rfid',
      presence: 'lasting',
      putDown: async (uid) => {
        // An unplugged reader has no vpcd slot listening: the badge finds no reader.
        if (unplugged) return;
        onReader = new VpcdConnection(new VirtualUidBadge(uid), { port: UNDER_TEST.port });
        await onReader.insert();
      },
      takeAway,
      unplug: async () => {
        unplugged = true;
        await daemon.unplug(1);
        onReader = null; // vpcd dropped the badge's connection with its reader
      },
      replug: async () => {
        unplugged = false;
        await daemon.replug(1);
      },
      // pcscd polls vpcd readers every ~400 ms; re-plugging restarts it: be patient on a busy machine.
      patienceMs: 20_000,
      quietMs: 1500,
      reset: async () => {
        await takeAway();
        if (unplugged) {
          unplugged = false;
          await daemon.replug(1);
        }
        // The next test's badge must not land within the same poll as this one's removal.
        await untilEmpty();
        await new Promise((resolve) => setTimeout(resolve, 500));
      },
    };
  },
  async close() {
    await pcscd?.stop();
  },
});
