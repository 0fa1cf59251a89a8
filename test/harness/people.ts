/**
 * The test directory: the people every harness (simulated IdP, reference IdP, virtual cards)
 * and the demo agree on. Fictional; national IDs use the ANS test range (8997...).
 */
import type { Person } from '../../app/core/identity.js';
import type { CardHolder } from './pki.js';

export interface TestPerson extends Person {
  readonly givenName: string;
  readonly surname: string;
  /** Contactless badge UID (canonical upper-case hex). */
  readonly badgeUid: string;
  readonly pin: string;
}

export const NURSE: TestPerson = {
  personId: 'claire.martin',
  displayName: 'Claire Martin',
  givenName: 'Claire',
  surname: 'Martin',
  nationalId: '899700075122',
  profession: 'Infirmière',
  badgeUid: '04A1B2C3D4E5F6',
  pin: '1234',
};

export const DOCTOR: TestPerson = {
  personId: 'paul.durand',
  displayName: 'Dr Paul Durand',
  givenName: 'Paul',
  surname: 'Durand',
  nationalId: '810001234567',
  profession: 'Médecin',
  badgeUid: '04112233445566',
  pin: '4321',
};

/** A local account with no link to the national directory: shown and audited as such. */
export const AIDE: TestPerson = {
  personId: 'sophie.petit',
  displayName: 'Sophie Petit',
  givenName: 'Sophie',
  surname: 'Petit',
  nationalId: null,
  profession: 'Aide-soignante',
  badgeUid: '8A4F2C1D',
  pin: '1111',
};

export const TEST_PEOPLE: readonly TestPerson[] = [NURSE, DOCTOR, AIDE];

export function personOnly(person: TestPerson): Person {
  return {
    personId: person.personId,
    displayName: person.displayName,
    nationalId: person.nationalId,
    profession: person.profession,
  };
}

/** Who a person's CPS card names (only people with a national ID and a profession carry one). */
export function cardHolderOf(person: TestPerson): CardHolder {
  if (!person.nationalId || !person.profession) {
    throw new Error(`${person.displayName} has no national ID or profession: no CPS card`);
  }
  return {
    surname: person.surname,
    givenName: person.givenName,
    nationalId: person.nationalId,
    profession: person.profession,
  };
}
