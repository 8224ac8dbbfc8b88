export { BLOCKED_RANGES, METADATA_ADDRESSES } from './blocked-ranges';
export { BLOCKED_NAMES, BLOCKED_SUFFIXES } from './blocked-names';
export { describeAllowances, NO_ALLOWANCES, type EgressAllowances } from './egress-allowances';
export { EGRESS_DEFAULTS, EgressClient, type EgressClientOptions, type EgressConfigSource } from './egress.client';
export { EgressModule } from './egress.module';
export { EgressError, type EgressFailure, type EgressRequest, type EgressResponse } from './egress.types';
export { isBlockedAddress, normalizeAddress, type NormalizedAddress } from './ip-policy';
export { DnsResolver, Resolver } from './resolver';
export { assertUrlAllowedStatically, checkUrl } from './url-policy';
