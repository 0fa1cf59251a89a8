/**
 * The BadgeSource contract, run against the simulated source the demo and the agent's unit
 * tests use: it must report what the real sources report for the same thing.
 */
import { badgeSourceContract } from '../badge-source-contract.js';
import { SimulatedBadgeSource } from './simulated-badge-source.js';

badgeSourceContract('simulated source (the demo and unit tests)', {
  async open() {
    let current: SimulatedBadgeSource | null = null;
    let onReader: string | null = null;
    /** Unplugged before any source was made: the next one starts unplugged. */
    let unpluggedAhead = false;
    const source = (): SimulatedBadgeSource => {
      if (!current) throw new Error('no simulated source made yet');
      return current;
    };
    return {
      createSource: () => {
        current = new SimulatedBadgeSource('Lecteur simulé 00');
        if (unpluggedAhead) current.unplug();
        return current;
      },
      readerName: 'Lecteur simulé 00',
      readerKind: 'simulated',
      badgeKind: 'rfid',
      presence: 'lasting',
      putDown: async (uid) => {
        onReader = uid;
        source().insert(uid, 'rfid', false);
      },
      takeAway: async () => {
        if (onReader) source().remove(onReader);
        onReader = null;
      },
      unplug: async () => {
        if (current) current.unplug();
        else unpluggedAhead = true;
      },
      replug: async () => {
        unpluggedAhead = false;
        current?.plug();
      },
      patienceMs: 1000,
      quietMs: 0,
      reset: async () => {
        current = null;
        onReader = null;
        unpluggedAhead = false;
      },
    };
  },
});
