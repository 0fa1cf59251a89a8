export { VirtualUidBadge } from './uid-badge.js';
export { VpcdConnection, type VirtualCard, type VpcdOptions } from './vpcd.js';
