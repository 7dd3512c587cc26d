/**
 * IX-F Member Export JSON (Euro-IX schema, as published by IXP Manager and most exchanges), the parts
 * ixmeter reads, plus ixmeter's own fields in an `ixmeter` object per member (allowed by the schema's
 * openness; other tools ignore it). Unknown fields are kept out, not refused.
 */
import { z } from 'zod';

export const MEMBER_TYPES = [
  'basic_telecom',
  'internet_enterprise',
  'cloud',
  'cdn',
  'idc',
  'broadcast',
  'research_edu',
  'other',
] as const;
export const MemberTypeSchema = z.enum(MEMBER_TYPES);

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine(
    (s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    'is not a calendar date',
  );
const mac = z
  .string()
  .regex(
    /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$|^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}$|^[0-9a-fA-F]{12}$/,
    'is not a MAC address',
  );
const ip = z.union([z.ipv4(), z.ipv6()]);

/**
 * ixmeter's per-member fields beyond attribution, kept as one JSON document per member version
 * (members.extension): eligibility inputs (local registration, blacklist periods), the payee of
 * subsidy payouts, contacts for notices and alerts, and the port-utilisation warning threshold.
 */
const LocalRegistration = z
  .object({
    registered: z.boolean(),
    /** Date of the local (Ningxia/Zhongwei) business registration. */
    date: isoDate.optional(),
    reference: z.string().max(200).optional(),
  })
  .strict()
  .refine((r) => r.registered || r.date === undefined, {
    message: 'local_registration: a date is given but registered is false',
    path: ['date'],
  });
const BlacklistPeriod = z
  .object({
    from: isoDate,
    /** Exclusive end; absent = still listed. */
    to: isoDate.optional(),
    reason: z.string().min(1).max(500),
  })
  .strict()
  .refine((b) => b.to === undefined || b.to > b.from, {
    message: 'blacklist period: to (exclusive) must be after from',
    path: ['to'],
  });
const Payee = z
  .object({
    name: z.string().min(1).max(300),
    bank: z.string().min(1).max(300),
    account: z.string().regex(/^[0-9A-Za-z -]{4,64}$/, 'is not a bank account number'),
    tax_id: z
      .string()
      .regex(/^[0-9A-Z]{15,20}$/, 'is not a tax id (统一社会信用代码, 15–20 characters)')
      .optional(),
  })
  .strict();
const Contact = z
  .object({
    name: z.string().min(1).max(200).optional(),
    email: z.email().optional(),
    phone: z.string().max(50).optional(),
    /** What the contact receives: notices (整改通知), alerts, billing. Default: all. */
    roles: z.array(z.enum(['noc', 'security', 'billing'])).optional(),
  })
  .strict();
export const MemberExtensionShape = {
  local_registration: LocalRegistration.optional(),
  blacklist: z.array(BlacklistPeriod).optional(),
  payee: Payee.optional(),
  contacts: z.array(Contact).optional(),
  /** PORT_UTILIZATION threshold, percent of capacity (default from config). */
  utilization_threshold_pct: z.number().min(1).max(100).optional(),
};
export const MemberExtensionSchema = z.object(MemberExtensionShape).strict();
export type MemberExtension = z.infer<typeof MemberExtensionSchema>;

const VlanAddr = z
  .object({
    address: ip.optional(),
    mac_addresses: z.array(mac).optional(),
  })
  .loose();

export const IxfMemberSchema = z
  .object({
    asnum: z.number().int().min(1, 'ASN must be ≥ 1').max(4_294_967_295, 'ASN must be < 2^32'),
    name: z.string().min(1).max(300),
    url: z.string().max(500).optional(),
    peering_policy: z.string().optional(),
    connection_list: z
      .array(
        z
          .object({
            ixp_id: z.number().int().optional(),
            state: z.string().optional(),
            if_list: z
              .array(
                z
                  .object({
                    switch_id: z.number().int().optional(),
                    if_speed: z.number().int().nonnegative().optional(),
                    if_type: z.string().optional(),
                  })
                  .loose(),
              )
              .optional(),
            vlan_list: z
              .array(
                z
                  .object({
                    vlan_id: z.number().int().min(0).max(4094).optional(),
                    ipv4: VlanAddr.optional(),
                    ipv6: VlanAddr.optional(),
                  })
                  .loose(),
              )
              .optional(),
          })
          .loose(),
      )
      .default([]),
    ixmeter: z
      .object({
        member_type: MemberTypeSchema.default('other'),
        name_zh: z.string().max(300).optional(),
        first_production_date: isoDate.optional(),
        subsidy_enrolled: z.boolean().default(false),
        /** Switch ports as the exporters see them: (exporter address, ifIndex), with speed. */
        ports: z
          .array(
            z
              .object({
                exporter: ip,
                if_index: z.number().int().min(0).max(4_294_967_295),
                speed_mbps: z.number().int().positive().optional(),
              })
              .strict(),
          )
          .default([]),
        /** 802.1Q tag of each IX-F vlan_id when they differ (default: the vlan_id is the tag). */
        vlan_tags: z.record(z.string().regex(/^\d+$/), z.number().int().min(0).max(4094)).optional(),
        ...MemberExtensionShape,
      })
      .strict()
      .optional(),
  })
  .loose();

export const IxfExportSchema = z
  .object({
    version: z.string().optional(),
    timestamp: z.string().optional(),
    member_list: z.array(IxfMemberSchema).min(1, 'member_list is empty'),
  })
  .loose();

export type IxfExport = z.infer<typeof IxfExportSchema>;
export type IxfMember = z.infer<typeof IxfMemberSchema>;
export type MemberType = z.infer<typeof MemberTypeSchema>;
