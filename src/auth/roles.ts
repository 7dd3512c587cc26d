import { z } from 'zod';

/** regulator: the communications administration / public security, read-only (no member money, no raw flows). */
export const ROLES = ['admin', 'finance', 'security', 'member', 'auditor', 'regulator'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** The principal behind a request: who, in which role, bound to which ASN (members only). */
export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
  asn: number | null;
}

export const AsnSchema = z.coerce.number().int().min(1).max(4_294_967_295);
