/** The ATR registry lives in profiles.ts; this name stays for the adapters that import it. */
export { identifyAtr, type AtrMatch, type CardProfileId } from './profiles.js';
