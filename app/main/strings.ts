/** The tray's words, French first. The screens have their own catalogue (app/renderer/strings.ts). */
import type { Locale } from '../ipc/contract.js';
import type { TrayState } from './tray-state.js';

export interface ShellStrings {
  readonly tooltip: Readonly<Record<TrayState, string>>;
  readonly signedInAs: (name: string) => string;
  readonly nobodySignedIn: string;
  readonly lockNow: string;
  readonly switchUser: string;
  /** Someone else signs in with e-CPS over the current session (a tap-over without a badge). */
  readonly ecpsOther: string;
  readonly diagnostics: string;
  readonly about: string;
  readonly aboutDetail: (version: string, workstation: string) => string;
}

export const SHELL_STRINGS: Readonly<Record<Locale, ShellStrings>> = {
  fr: {
    tooltip: {
      locked: 'Relève — poste verrouillé',
      'signed-in': 'Relève — session ouverte',
      'reader-missing': 'Relève — lecteur de badge absent',
      'idp-unreachable': "Relève — serveur d'identité injoignable",
      offline: 'Relève — session hors ligne',
    },
    signedInAs: (name) => `Connecté : ${name}`,
    nobodySignedIn: 'Personne n’est connecté',
    lockNow: 'Verrouiller maintenant',
    switchUser: "Changer d'utilisateur",
    ecpsOther: 'Autre personne : connexion e-CPS…',
    diagnostics: 'Diagnostic…',
    about: 'À propos de Relève',
    aboutDetail: (version, workstation) => `Relève ${version}\nPoste ${workstation}`,
  },
  en: {
    tooltip: {
      locked: 'Relève — workstation locked',
      'signed-in': 'Relève — signed in',
      'reader-missing': 'Relève — badge reader missing',
      'idp-unreachable': 'Relève — identity server unreachable',
      offline: 'Relève — offline session',
    },
    signedInAs: (name) => `Signed in: ${name}`,
    nobodySignedIn: 'Nobody is signed in',
    lockNow: 'Lock now',
    switchUser: 'Switch user',
    ecpsOther: 'Someone else: sign in with e-CPS…',
    diagnostics: 'Diagnostics…',
    about: 'About Relève',
    aboutDetail: (version, workstation) => `Relève ${version}\nWorkstation ${workstation}`,
  },
};
