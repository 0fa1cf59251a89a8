/** Who and what: badges as presented by a reader, people as identified by a card or the IdP. */
import { z } from 'zod';

export const BADGE_KINDS = ['cps-card', 'rfid', 'hid', 'ecps'] as const;
/** cps-card: CPS3/CPS4 smart card; rfid: contactless UID badge over PC/SC; hid: UID from a HID reader; ecps: the mobile e-CPS. */
export type BadgeKind = (typeof BADGE_KINDS)[number];

export const AUTH_METHODS = ['card-pin', 'badge-pin', 'ecps', 'grace', 'break-glass'] as const;
/** How a session was opened: a full second factor (card-pin, badge-pin, ecps), a grace re-tap, or break-glass. */
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** Text that came from a card or an IdP: bounded, and never trusted to be printable. */
const externalText = z.string().max(256);

export const badgePresentationSchema = z
  .object({
    /** Canonical badge ID: a card's serial, or an upper-case hex UID. */
    badgeId: z.string().min(1).max(64),
    kind: z.enum(BADGE_KINDS),
    /** Readers are tracked by name, never by index. */
    readerName: z.string().min(1).max(256),
    /** A contact card stays in the reader while its holder works: its removal means something. */
    contact: z.boolean(),
  })
  .strict();
export type BadgePresentation = z.infer<typeof badgePresentationSchema>;

export const personSchema = z
  .object({
    /** Stable local identifier of the person (the IdP's subject). */
    personId: z.string().min(1).max(256),
    displayName: externalText,
    /** `8`+RPPS or `0`+ADELI; null when the local account is not linked to the national directory. */
    nationalId: z
      .string()
      .regex(/^[0-9][0-9A-Za-z/]{1,40}$/)
      .nullable(),
    profession: externalText.nullable(),
  })
  .strict();
export type Person = z.infer<typeof personSchema>;
