export { VirtualUidBadge } from './uid-badge.js';
export { VpcdConnection, type VirtualCard, type VpcdOptions } from './vpcd.js';
export { VpcdReader } from './vpcd-reader.js';
