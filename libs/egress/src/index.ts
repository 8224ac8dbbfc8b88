export { type EgressAllowances } from './egress-allowances';
export { EgressClient } from './egress.client';
export { EgressModule } from './egress.module';
export { EgressError, type EgressRequest, type EgressResponse } from './egress.types';
export { assertUrlAllowedStatically } from './url-policy';
