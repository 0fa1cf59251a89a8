/**
 * The screens' own words, French first, English second. The agent's feedback sentences come
 * already worded from resources/locales; these are the labels, titles and instructions around them.
 */
import type { Locale } from '../ipc/contract.js';

export interface ErrorText {
  readonly title: string;
  /** What the clinician should do now, in one or two sentences. */
  readonly action: string;
}

export interface UiStrings {
  readonly appName: string;
  readonly workstation: (name: string) => string;
  readonly tapToSignIn: string;
  readonly useEcps: string;
  readonly workstationInfo: string;
  readonly suspendedSessions: (names: string) => string;
  readonly reading: string;
  readonly switchingTitle: string;
  readonly switchingSuspends: string;
  readonly takesOver: string;
  /** Around a name: « la session de {name} sera mise en attente ». */
  readonly sessionOfBefore: string;
  readonly sessionOfAfter: string;
  readonly workstationLabel: string;
  readonly enterPin: string;
  readonly pinFor: string;
  readonly unknownPerson: string;
  readonly digitsEntered: (count: number) => string;
  readonly triesLeft: (count: number) => string;
  readonly lastTry: string;
  readonly erase: string;
  readonly validate: string;
  readonly cancel: string;
  readonly pinTooShort: (min: number) => string;
  readonly pinTooLong: (max: number) => string;
  readonly pinRefused: string;
  readonly checking: string;
  readonly signedIn: string;
  readonly lockNow: string;
  readonly offlineBanner: string;
  readonly breakGlassBanner: string;
  readonly lockingTitle: string;
  readonly lockingIn: (seconds: number) => string;
  readonly undo: string;
  readonly undoHint: string;
  readonly ecpsTitle: string;
  readonly ecpsOther: string;
  readonly nationalIdLabel: string;
  readonly nationalIdHint: string;
  readonly nationalIdInvalid: string;
  readonly nationalIdTooLong: string;
  readonly ecpsSend: string;
  readonly ecpsBusy: string;
  readonly ecpsWaitingTitle: string;
  readonly ecpsCodeLabel: string;
  readonly ecpsChoose: (code: string) => string;
  readonly ecpsExpiresIn: (seconds: number) => string;
  readonly ecpsNotAvailable: string;
  readonly back: string;
  readonly errors: {
    readonly cardBlocked: ErrorText;
    readonly tooManyAttempts: ErrorText;
    readonly idpUnreachable: ErrorText;
    readonly idpError: ErrorText;
    readonly readerMissing: ErrorText;
    readonly unknownBadge: ErrorText;
    readonly badgeUnreadable: ErrorText;
    readonly timeout: ErrorText;
    readonly ecpsDenied: ErrorText;
    readonly ecpsExpired: ErrorText;
    readonly ecpsUnknown: ErrorText;
    readonly auditUnavailable: ErrorText;
    readonly generic: ErrorText;
  };
  readonly supportHint: (workstation: string) => string;
  readonly ok: string;
  readonly diagnosticsTitle: string;
  readonly version: string;
  readonly mode: string;
  readonly language: string;
  readonly readers: string;
  readonly noReader: string;
  readonly readerName: string;
  readonly readerKind: string;
  readonly cardPresent: string;
  readonly yes: string;
  readonly no: string;
  readonly policyInForce: string;
  readonly setting: string;
  readonly value: string;
  readonly coverLocked: string;
  readonly requestFailed: string;
}

const fr: UiStrings = {
  appName: 'Relève',
  workstation: (name) => `Poste ${name}`,
  tapToSignIn: 'Badgez pour vous connecter',
  useEcps: 'Se connecter avec e-CPS',
  workstationInfo: 'Informations du poste',
  suspendedSessions: (names) => `Sessions en attente : ${names}`,
  reading: 'Lecture du badge…',
  switchingTitle: "Changement d'utilisateur",
  switchingSuspends: 'La session de cette personne sera mise en attente :',
  takesOver: 'prend le poste',
  sessionOfBefore: 'la session de ',
  sessionOfAfter: ' sera mise en attente.',
  workstationLabel: 'Poste',
  enterPin: 'Saisissez votre code PIN',
  pinFor: 'Code PIN de',
  unknownPerson: 'Badge présenté',
  digitsEntered: (count) =>
    count === 0
      ? 'Aucun chiffre saisi'
      : `${count} chiffre${count > 1 ? 's' : ''} saisi${count > 1 ? 's' : ''}`,
  triesLeft: (count) => `${count} essai${count > 1 ? 's' : ''} restant${count > 1 ? 's' : ''}`,
  lastTry: 'Dernier essai avant blocage',
  erase: 'Effacer',
  validate: 'Valider',
  cancel: 'Annuler',
  pinTooShort: (min) => `Le code PIN comporte au moins ${min} chiffres.`,
  pinTooLong: (max) => `Le code PIN comporte au plus ${max} chiffres.`,
  pinRefused: 'Ce code ne peut plus être envoyé : badgez à nouveau.',
  checking: 'Vérification…',
  signedIn: 'Session ouverte',
  lockNow: 'Verrouiller',
  offlineBanner:
    "Mode hors ligne : le serveur d'identité est injoignable. Vos accès sont tracés et seront transmis au retour du réseau.",
  breakGlassBanner: "ACCÈS D'URGENCE — limité dans le temps, tracé et revu",
  lockingTitle: 'Verrouillage du poste',
  lockingIn: (seconds) => `Verrouillage dans ${seconds} s`,
  undo: 'Annuler',
  undoHint: 'Vous vouliez reprendre ? Touchez « Annuler ».',
  ecpsTitle: 'Connexion avec e-CPS',
  ecpsOther: 'Autre personne : e-CPS',
  nationalIdLabel: 'Votre numéro RPPS',
  nationalIdHint: '12 chiffres, commençant par 8 (identifiant national inscrit sur votre carte CPS)',
  nationalIdInvalid: 'Le numéro RPPS comporte 12 chiffres et commence par 8.',
  nationalIdTooLong: 'Le numéro RPPS comporte 12 chiffres.',
  ecpsSend: 'Envoyer',
  ecpsBusy: 'Une connexion est déjà en cours sur ce poste ; patientez ou annulez-la.',
  ecpsWaitingTitle: 'Validez dans l’application e-CPS',
  ecpsCodeLabel: 'Code à choisir dans l’application e-CPS',
  ecpsChoose: (code) => `Choisissez ${code} dans l'application e-CPS`,
  ecpsExpiresIn: (seconds) =>
    `La demande expire dans ${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`,
  ecpsNotAvailable:
    "La connexion par e-CPS n'est pas disponible sur ce poste. Badgez avec votre carte CPS ou votre badge.",
  back: 'Retour',
  errors: {
    cardBlocked: {
      title: 'Carte bloquée',
      action:
        'Trop de codes erronés : votre carte est bloquée. Débloquez-la avec votre code de déblocage, ou appelez le support informatique.',
    },
    tooManyAttempts: {
      title: "Trop d'essais",
      action: 'Votre compte est temporairement bloqué. Patientez, ou appelez le support informatique.',
    },
    idpUnreachable: {
      title: "Serveur d'identité injoignable",
      action:
        "Le poste ne joint pas le serveur d'identité de l'établissement. Badgez à nouveau dans un instant ; si cela dure, utilisez un autre poste et prévenez le support.",
    },
    idpError: {
      title: "Erreur du serveur d'identité",
      action: 'Badgez à nouveau ; si cela se répète, utilisez un autre poste et prévenez le support.',
    },
    readerMissing: {
      title: 'Lecteur de badge absent',
      action: "Vérifiez que le lecteur de badge est branché. Le poste le reprend dès qu'il est rebranché.",
    },
    unknownBadge: {
      title: 'Badge inconnu',
      action: "Ce badge n'est relié à aucun compte. Faites-le enrôler, ou appelez le support informatique.",
    },
    badgeUnreadable: {
      title: 'Badge illisible',
      action: 'Retirez le badge ou la carte, puis présentez-le à nouveau, bien à plat sur le lecteur.',
    },
    timeout: { title: 'Délai dépassé', action: 'Badgez à nouveau pour recommencer.' },
    ecpsDenied: {
      title: 'Connexion e-CPS refusée',
      action:
        "La demande a été refusée dans l'application e-CPS : personne n'est connecté. Recommencez, ou badgez.",
    },
    ecpsExpired: {
      title: 'Demande e-CPS expirée',
      action:
        "L'application e-CPS n'a pas répondu à temps : personne n'est connecté. Recommencez, ou badgez.",
    },
    ecpsUnknown: {
      title: 'Numéro RPPS inconnu',
      action: "Aucun compte n'est relié à ce numéro. Vérifiez-le, ou appelez le support informatique.",
    },
    auditUnavailable: {
      title: "Journal d'audit indisponible",
      action:
        "Aucun accès n'est possible tant que le journal ne peut pas être écrit. Prévenez le support informatique.",
    },
    generic: {
      title: 'Connexion impossible',
      action: 'Badgez à nouveau ; si cela se répète, prévenez le support.',
    },
  },
  supportHint: (workstation) => `Pour le support, indiquez le poste ${workstation}.`,
  ok: 'Compris',
  diagnosticsTitle: 'Diagnostic du poste',
  version: 'Version',
  mode: 'Mode',
  language: 'Langue',
  readers: 'Lecteurs de badge',
  noReader: 'Aucun lecteur détecté',
  readerName: 'Nom',
  readerKind: 'Type',
  cardPresent: 'Badge présent',
  yes: 'oui',
  no: 'non',
  policyInForce: 'Stratégie en vigueur',
  setting: 'Paramètre',
  value: 'Valeur',
  coverLocked: 'Poste verrouillé',
  requestFailed: 'Le poste ne répond pas ; réessayez.',
};

const en: UiStrings = {
  appName: 'Relève',
  workstation: (name) => `Workstation ${name}`,
  tapToSignIn: 'Tap your badge to sign in',
  useEcps: 'Sign in with e-CPS',
  workstationInfo: 'Workstation information',
  suspendedSessions: (names) => `Sessions on hold: ${names}`,
  reading: 'Reading the badge…',
  switchingTitle: 'Switching user',
  switchingSuspends: "This person's session will be put on hold:",
  takesOver: 'is taking over',
  sessionOfBefore: 'the session of ',
  sessionOfAfter: ' will be put on hold.',
  workstationLabel: 'Workstation',
  enterPin: 'Enter your PIN',
  pinFor: 'PIN for',
  unknownPerson: 'Badge presented',
  digitsEntered: (count) =>
    count === 0 ? 'No digit entered' : `${count} digit${count > 1 ? 's' : ''} entered`,
  triesLeft: (count) => `${count} tr${count > 1 ? 'ies' : 'y'} left`,
  lastTry: 'Last try before the card locks',
  erase: 'Erase',
  validate: 'OK',
  cancel: 'Cancel',
  pinTooShort: (min) => `The PIN has at least ${min} digits.`,
  pinTooLong: (max) => `The PIN has at most ${max} digits.`,
  pinRefused: 'This PIN can no longer be sent: tap your badge again.',
  checking: 'Checking…',
  signedIn: 'Signed in',
  lockNow: 'Lock',
  offlineBanner:
    'Offline: the identity server is unreachable. Your access is recorded and will be sent when the network is back.',
  breakGlassBanner: 'EMERGENCY ACCESS — time-limited, recorded and reviewed',
  lockingTitle: 'Locking the workstation',
  lockingIn: (seconds) => `Locking in ${seconds} s`,
  undo: 'Undo',
  undoHint: 'Meant to resume? Touch “Undo”.',
  ecpsTitle: 'Sign in with e-CPS',
  ecpsOther: 'Someone else: e-CPS',
  nationalIdLabel: 'Your RPPS number',
  nationalIdHint: '12 digits, starting with 8 (the national ID printed on your CPS card)',
  nationalIdInvalid: 'The RPPS number has 12 digits and starts with 8.',
  nationalIdTooLong: 'The RPPS number has 12 digits.',
  ecpsSend: 'Send',
  ecpsBusy: 'A sign-in is already under way on this workstation; wait or cancel it.',
  ecpsWaitingTitle: 'Approve in the e-CPS app',
  ecpsCodeLabel: 'Number to choose in the e-CPS app',
  ecpsChoose: (code) => `Choose ${code} in the e-CPS app`,
  ecpsExpiresIn: (seconds) =>
    `The request expires in ${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`,
  ecpsNotAvailable:
    'Sign-in with e-CPS is not available on this workstation. Tap your CPS card or your badge.',
  back: 'Back',
  errors: {
    cardBlocked: {
      title: 'Card blocked',
      action:
        'Too many wrong PINs: your card is blocked. Unblock it with your unblocking code, or call IT support.',
    },
    tooManyAttempts: {
      title: 'Too many attempts',
      action: 'Your account is temporarily locked. Wait, or call IT support.',
    },
    idpUnreachable: {
      title: 'Identity server unreachable',
      action:
        "The workstation cannot reach the hospital's identity server. Tap again in a moment; if it lasts, use another workstation and tell IT support.",
    },
    idpError: {
      title: 'Identity server error',
      action: 'Tap again; if it happens again, use another workstation and tell IT support.',
    },
    readerMissing: {
      title: 'Badge reader missing',
      action: 'Check that the badge reader is plugged in. The workstation picks it up as soon as it is back.',
    },
    unknownBadge: {
      title: 'Unknown badge',
      action: 'This badge is not linked to any account. Have it enrolled, or call IT support.',
    },
    badgeUnreadable: {
      title: 'Badge unreadable',
      action: 'Take the badge or card away, then present it again, flat on the reader.',
    },
    timeout: { title: 'Time is up', action: 'Tap your badge again to start over.' },
    ecpsDenied: {
      title: 'e-CPS sign-in refused',
      action:
        'The request was refused in the e-CPS app: no one is signed in. Start again, or tap your badge.',
    },
    ecpsExpired: {
      title: 'e-CPS request expired',
      action: 'The e-CPS app did not answer in time: no one is signed in. Start again, or tap your badge.',
    },
    ecpsUnknown: {
      title: 'Unknown RPPS number',
      action: 'No account is linked to this number. Check it, or call IT support.',
    },
    auditUnavailable: {
      title: 'Audit trail unavailable',
      action: 'No access is possible until the trail can be written again. Tell IT support.',
    },
    generic: { title: 'Sign-in failed', action: 'Tap again; if it happens again, tell IT support.' },
  },
  supportHint: (workstation) => `For IT support, give the workstation name ${workstation}.`,
  ok: 'Got it',
  diagnosticsTitle: 'Workstation diagnostics',
  version: 'Version',
  mode: 'Mode',
  language: 'Language',
  readers: 'Badge readers',
  noReader: 'No reader detected',
  readerName: 'Name',
  readerKind: 'Kind',
  cardPresent: 'Badge present',
  yes: 'yes',
  no: 'no',
  policyInForce: 'Policy in force',
  setting: 'Setting',
  value: 'Value',
  coverLocked: 'Workstation locked',
  requestFailed: 'The workstation is not answering; try again.',
};

export const UI_STRINGS: Readonly<Record<Locale, UiStrings>> = { fr, en };
