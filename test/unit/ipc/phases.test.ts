/**
 * app/ipc may not import app/core (the renderer sees only the contract), so the contract keeps
 * its own list of phases: this test keeps the two lists from drifting apart.
 */
import { describe, expect, it } from '@jest/globals';
import { PHASES } from '../../../app/ipc/contract.js';
import { PHASE_KINDS } from '../../../app/core/session/types.js';

describe('IPC phases', () => {
  it('are exactly the session machine’s phases', () => {
    expect([...PHASES].sort()).toEqual([...PHASE_KINDS].sort());
  });
});
