export { VirtualUidBadge, type VirtualUidBadgeOptions } from './uid-badge.js';
export { VpcdConnection, type VirtualCard, type VpcdOptions } from './vpcd.js';
export { VpcdReader } from './vpcd-reader.js';
export { VirtualCps3Card, type VirtualCps3Options } from './cps3-card.js';
export { describeCommand, recording, replaying, TranscriptMismatch } from './transcript.js';
export { VirtualCps4Card, type VirtualCps4Options } from './cps4-card.js';
