/** Build small IX-F Member Export documents for tests. */
export interface TestMember {
  asn: number;
  name?: string;
  macs?: string[];
  vlan?: number;
  ipv4?: string;
  ports?: Array<{ exporter: string; if_index: number; speed_mbps?: number }>;
  type?: string;
  firstProduction?: string;
  enrolled?: boolean;
}

export function ixfDoc(members: TestMember[]): Record<string, unknown> {
  return {
    version: '1.0',
    timestamp: '2026-11-01T00:00:00Z',
    ixp_list: [{ ixp_id: 1, shortname: 'ZW-IX', vlan: [{ id: 10, name: 'peering' }] }],
    member_list: members.map((m) => ({
      asnum: m.asn,
      name: m.name ?? `Member AS${m.asn}`,
      url: `https://as${m.asn}.example`,
      connection_list: [
        {
          ixp_id: 1,
          state: 'active',
          if_list: [{ switch_id: 1, if_speed: 10000 }],
          vlan_list: [{ vlan_id: m.vlan ?? 10, ipv4: { address: m.ipv4, mac_addresses: m.macs ?? [] } }],
        },
      ],
      ixmeter: {
        member_type: m.type ?? 'internet_enterprise',
        ports: m.ports ?? [],
        ...(m.firstProduction ? { first_production_date: m.firstProduction } : {}),
        subsidy_enrolled: m.enrolled ?? false,
      },
    })),
  };
}
