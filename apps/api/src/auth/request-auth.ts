import type { AuthContext } from '@conduit/tenancy';
import type { Request } from 'express';

/** Metadata key for the role a tenant route needs. */
export const REQUIRED_ROLE = 'conduit:required-role';

export type AuthenticatedRequest = Request & { auth?: AuthContext };
